"""`coverage-bot evaluate --squad`: a SQuAD-format file as its own corpus and questions."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from bot.answer import Answerer
from bot.cli import main
from bot.evaluation import calibrate, evaluate_squad, squad_judges
from bot.squad import load_squad


def _qa(question: str, answer: str) -> dict[str, object]:
    return {"question": question, "id": question, "answers": [{"text": answer, "answer_start": 0}]}


SQUAD = {
    "version": "1.1",
    "data": [
        {
            "title": "Harbor_Bridge",
            "paragraphs": [
                {
                    "context": "The Harbor Bridge opened in 1932. It carries eight lanes of "
                    "traffic across the bay.",
                    "qas": [_qa("When did the Harbor Bridge open?", "1932")],
                },
                {
                    "context": "Engineers repainted the bridge's steel arch in 2019, using "
                    "40,000 litres of grey paint.",
                    "qas": [
                        _qa("How much paint did engineers use on the arch?", "40,000 litres"),
                        _qa("What colour of paint went on the steel arch in 2019?", "grey"),
                    ],
                },
                *(
                    {"context": text, "qas": []}
                    for text in (
                        "Ferries ran across the bay before the bridge was built.",
                        "A toll of two dollars is charged to drivers heading north.",
                        "Pedestrians use a walkway on the western side.",
                    )
                ),
            ],
        },
        {
            "title": "Glacier_Lake",
            "paragraphs": [
                {
                    "context": "Glacier Lake freezes every winter. Skaters cross its ice "
                    "from January to March.",
                    "qas": [_qa("When do skaters cross Glacier Lake?", "January to March")],
                }
            ],
        },
    ],
}


@pytest.fixture
def squad_file(tmp_path: Path) -> Path:
    path = tmp_path / "squad.json"
    path.write_text(json.dumps(SQUAD), encoding="utf-8")
    return path


def test_every_nth_article_is_left_out_and_its_questions_are_for_declining(
    squad_file: Path,
) -> None:
    squad = load_squad(squad_file, left_out_every=2)
    assert [a.headline for a in squad.corpus.articles] == ["Harbor Bridge"]
    assert squad.left_out_titles == ("Glacier Lake",)
    assert [q.question for q in squad.left_out] == ["When do skaters cross Glacier Lake?"]
    assert [(q.article, q.paragraph) for q in squad.answerable] == [
        ("Harbor Bridge", 0),
        ("Harbor Bridge", 1),
        ("Harbor Bridge", 1),
    ]


def test_figures_count_hits_sentences_and_declines(squad_file: Path) -> None:
    squad = load_squad(squad_file, left_out_every=2)
    report = evaluate_squad(Answerer(squad.corpus), squad)
    assert report.hit_at_1 == 1.0
    assert report.mrr == 1.0
    assert report.sentence_holds_answer == 1.0
    assert report.answerable_declined == 0.0
    assert report.left_out_declined == 1.0


def test_cli_prints_the_figures_beside_each_other(
    squad_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["evaluate", "--squad", str(squad_file), "--left-out-every", "2"])
    out = capsys.readouterr().out
    assert code == 0
    assert out.splitlines()[:2] == [
        "corpus: 1 articles, 5 passages; left out: Glacier Lake",
        "questions: 3 on the corpus, 1 on left-out articles",
    ]
    assert "hit@1 (asked-about paragraph first)" in out
    assert out.splitlines()[-1].split()[-1] == "1.000"


def test_a_file_that_is_not_squad_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "not.json"
    path.write_text('{"data": [{"name": 1}]}', encoding="utf-8")
    assert main(["evaluate", "--squad", str(path)]) == 2
    assert capsys.readouterr().err.startswith(f"coverage-bot: {path} is not a SQuAD v1.1 file")
    assert main(["evaluate", "--squad", str(tmp_path / "missing.json")]) == 2


@pytest.mark.parametrize(
    "content",
    [
        '{"data": [{"title": 5, "paragraphs": []}]}',
        '{"data": [{"title": "T", "paragraphs": [{"context": "c", "qas": [{"question": 5}]}]}]}',
        "not json at all",
        "[1, 2]",
    ],
)
def test_malformed_squad_files_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    assert main(["evaluate", "--squad", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"coverage-bot: {path} is not a SQuAD v1.1 file")
    assert err.count("\n") == 1


def test_a_question_with_no_words_counts_as_declined(tmp_path: Path) -> None:
    data = json.loads(json.dumps(SQUAD))
    data["data"][0]["paragraphs"][0]["qas"].append(_qa("?!", "1932"))
    path = tmp_path / "squad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    squad = load_squad(path, left_out_every=2)
    report = evaluate_squad(Answerer(squad.corpus), squad)
    assert report.answerable_declined == 0.25


@pytest.mark.parametrize(
    ("option", "content", "message"),
    [
        ("--questions", None, "cannot be read"),
        ("--questions", "not json\n", ":1: not a question line"),
        (
            "--questions",
            '{"question": 1, "passages": []}\n',
            ":1: question and passages must be text",
        ),
        (
            "--questions",
            json.dumps({"question": "🚀🔥", "passages": []}) + "\n",
            ":1: the bot would not search it: That question has no words to search for",
        ),
        (
            "--questions",
            json.dumps({"question": "Why? " * 400, "passages": ["x"]}) + "\n",
            ":1: the bot would not search it: That question is 1,999 characters long",
        ),
        (
            "--questions",
            json.dumps({"question": "Why? " * 1_000_000, "passages": []}) + "\n",
            ":1: the question is 5,000,000 characters long; the bot answers 1,000 at most",
        ),
        ("--summaries", None, "cannot be read"),
        ("--summaries", "[1]", "expected a JSON object of summary texts"),
        ("--summaries", '{"no-such-article": "text"}', "No article matches “no-such-article”."),
    ],
)
def test_bad_question_and_summary_files_are_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    option: str,
    content: str | None,
    message: str,
) -> None:
    path = tmp_path / "input.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    assert main(["evaluate", option, str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1 and err.startswith("coverage-bot: ")


def test_calibration_recommends_the_highest_threshold_that_declines_no_more_answers(
    squad_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COVERAGE_BOT_SEMANTIC", "false")
    squad = load_squad(squad_file, left_out_every=2)
    answerer = Answerer(squad.corpus)
    calibration = calibrate(answerer, squad_judges(squad))
    evidences = [answerer.answer(q.question).evidence for q in squad.answerable]
    # The left-out question has no evidence (a name the corpus never uses): declined at
    # any threshold, so it does not place one. Three answerable questions: 5% of them is
    # none, so the threshold stops at the lowest of their evidence, and 0 would give away
    # the margin below it for nothing.
    [left_out] = [answerer.answer(q.question).evidence for q in squad.left_out]
    assert left_out == 0.0
    assert calibration.threshold == math.floor(min(evidences) * 1000) / 1000 > 0
    at = next(row for row in calibration.rows if row[0] == round(calibration.threshold, 3))
    assert at[2:] == (0.0, 1.0)  # no answerable question declined, the left-out one is
    code = main(["evaluate", "--squad", str(squad_file), "--left-out-every", "2", "--calibrate"])
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    setting = f"COVERAGE_BOT_DECLINE_THRESHOLD={calibration.threshold:.3f}"
    assert out[-1] == f"recommended for this corpus: {setting}"
    assert ["threshold", "hit@1", "answerable", "declined", "off-topic", "declined"] in [
        line.split() for line in out
    ]
    assert any(line.endswith("(now)") for line in out)  # the threshold in force, for comparison
