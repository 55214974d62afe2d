"""The answer check: a cross-encoder reading the question with each of the best
candidates, re-ranking them and vetoing answers it is all but sure are wrong."""

from __future__ import annotations

import builtins
import json
from dataclasses import replace
from pathlib import Path

import pytest

import bot.cross_encoder
from bot.analysis import spelled_out
from bot.answer import CHECK_SKIP_LEAD, CHECK_SURE, CHECK_VETO, CHECKED, Ranking
from bot.cli import main
from bot.corpus import Article, Corpus, Passage, load_corpus
from bot.cross_encoder import CrossEncoder, default_cross_encoder_files, load_cross_encoder
from bot.embedding import EmbeddingUnavailable
from bot.rerank import load_reranker
from bot.summary import summarize_topic

UNION = "Union president Rosa Delgado said the drivers would walk out at 4 a.m."


@pytest.fixture(scope="module")
def all_stages() -> Ranking:
    return Ranking(load_reranker(), cross_encoder=load_cross_encoder())


def test_a_passage_that_answers_scores_above_one_that_does_not() -> None:
    check = load_cross_encoder()
    answers, weather = check.scores(
        "Who leads the drivers' union?", [UNION, "The weather on Tuesday was sunny and mild."]
    )
    assert answers > 0 > weather


def test_a_pair_scores_the_same_whatever_it_is_checked_with() -> None:
    # The int8 model scales activations over a whole batch: pairs run one at a time.
    fresh = CrossEncoder(default_cross_encoder_files(), capacity=0)
    question = "Who leads the drivers' union?"
    alone = fresh.scores(question, [UNION])[0]
    beside = fresh.scores(question, ["A much longer passage about something else. " * 8, UNION])
    assert beside[1] == alone


def test_a_pair_checked_before_is_not_run_again(monkeypatch: pytest.MonkeyPatch) -> None:
    check = CrossEncoder(default_cross_encoder_files())
    first = check.scores("Who leads the union?", [UNION, "Buses stopped."])
    monkeypatch.setattr(check, "_batched", lambda *args, **kwargs: pytest.fail("ran again"))
    assert list(check.scores("Who leads the union?", [UNION, "Buses stopped."])) == list(first)


def test_the_check_chooses_the_passage_the_earlier_stages_placed_second(
    bundled: Corpus, all_stages: Ranking
) -> None:
    question = "Did the supreme leader think the strikes were enough?"
    semantic = Ranking(all_stages.reranker).answerer(bundled).answer(question)
    checked = all_stages.answerer(bundled).answer(question)
    right = "Military action like this is not sufficient"
    assert checked.best is not None
    assert right in checked.best.ref.passage.body
    assert semantic.best is None or right not in semantic.best.ref.passage.body
    assert right in semantic.results[1].ref.passage.body  # the earlier stages' second
    assert checked.best.check is not None and checked.best.check > 0


def test_the_check_stops_at_the_first_candidate_it_is_sure_of(
    bundled: Corpus, all_stages: Ranking, monkeypatch: pytest.MonkeyPatch
) -> None:
    check = CrossEncoder(default_cross_encoder_files(), capacity=0)
    read: list[str] = []
    scores = check.scores
    monkeypatch.setattr(check, "scores", lambda q, texts: read.extend(texts) or scores(q, texts))
    answerer = replace(all_stages, cross_encoder=check).answerer(bundled)
    sure = answerer.answer("How many missiles did Iran launch?", results=CHECKED)
    assert sure.best is not None and "more than a dozen" in sure.best.ref.passage.text
    assert sure.best.check is not None and sure.best.check >= CHECK_SURE
    # A passage is read whole under its headline; the sentences read after it (each under
    # its headline too) choose the bold one.
    passages = {
        spelled_out(f"{ref.article.headline}. {ref.passage.standalone}") for ref in bundled.passages
    }
    assert len([text for text in read if text in passages]) == 1  # not five
    sentences = [text for text in read if text not in passages]
    headline = spelled_out(f"{sure.best.ref.article.headline}. ")
    assert sentences and all(text.startswith(headline) for text in sentences)
    assert [hit.check for hit in sure.results[1:]] == [None] * (CHECKED - 1)
    read.clear()
    unsure = answerer.answer("Did the supreme leader think the strikes were enough?", CHECKED)
    # none sure: all five read, the best of them first
    assert len([text for text in read if text in passages]) == CHECKED
    assert all(hit.check is not None and hit.check < CHECK_SURE for hit in unsure.results)
    assert "Military action like this is not sufficient" in unsure.results[0].ref.passage.body


def _counting_reads(
    all_stages: Ranking, monkeypatch: pytest.MonkeyPatch
) -> tuple[Ranking, list[str]]:
    """All stages with an answer check that records the texts it reads (passages and
    sentences alike), and that record."""
    check = CrossEncoder(default_cross_encoder_files(), capacity=0)
    read: list[str] = []
    scores = check.scores
    monkeypatch.setattr(check, "scores", lambda q, texts: read.extend(texts) or scores(q, texts))
    return replace(all_stages, cross_encoder=check), read


def test_a_clear_lead_on_a_passage_holding_the_question_is_not_checked(
    bundled: Corpus, all_stages: Ranking, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Words and meaning agree on one passage, far ahead: no model run is spent on it.
    ranking, read = _counting_reads(all_stages, monkeypatch)
    answer = ranking.answerer(bundled).answer("What did Michael Singh tell Axios?")
    assert answer.best is not None
    assert answer.best.ref.passage.text.startswith("Michael Singh, managing director")
    assert [hit.check for hit in answer.results] == [None] * len(answer.results)
    headlines = tuple(spelled_out(f"{article.headline}. ") for article in bundled.articles)
    assert not [text for text in read if text.startswith(headlines)]


def test_a_clear_lead_on_a_passage_missing_some_of_the_question_is_still_checked(
    all_stages: Ranking, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Harlow Springs' budget article says nothing of the mayor's position on it; the
    # earlier stages alone put its budget paragraph well ahead and would answer with it.
    corpus = load_corpus(Path(__file__).parent / "data/harlow_springs/corpus").corpus
    question = "What is the mayor's position on the budget?"
    earlier = Ranking(all_stages.reranker).answerer(corpus).answer(question)
    assert earlier.best is not None
    assert earlier.results[0].score - earlier.results[1].score >= CHECK_SKIP_LEAD
    ranking, read = _counting_reads(all_stages, monkeypatch)
    checked = ranking.answerer(corpus).answer(question)
    assert read
    assert checked.best is None
    assert checked.results[0].check is not None and checked.results[0].check < CHECK_VETO


MERGER = """---
headline: Attorney general approves hospital merger with conditions
date: 2026-01-27
---
The state attorney general approved the merger of St. Brendan's Hospital and Valley General
Medical Center on Tuesday, attaching 14 conditions that will be in force for ten years.

The merged system must hold prices for commercial insurers to no more than the rate of
medical inflation for five years, and spend at least $30 million on charity care each year.

The attorney general did not require the hospitals to keep the maternity unit open.

The Federal Trade Commission closed its review in December without taking action.
"""


def test_an_acronym_is_checked_as_the_name_the_coverage_spells_out(
    tmp_path: Path, all_stages: Ranking
) -> None:
    # The index finds "FTC" in "Federal Trade Commission" by its initials; the models,
    # reading "FTC" beside it, had ruled the passage out and the question was declined.
    (tmp_path / "merger.md").write_text(MERGER, encoding="utf-8")
    corpus = load_corpus(tmp_path).corpus
    answer = all_stages.answerer(corpus).answer("What did the FTC decide?")
    assert answer.best is not None
    assert answer.best.ref.passage.text.startswith("The Federal Trade Commission closed")
    assert answer.question == "What did the FTC decide?"  # as asked, in the reply


def test_an_acronym_two_candidates_spell_out_differently_is_read_as_asked(
    tmp_path: Path, all_stages: Ranking, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Read as either name, the question would seem to ask about that one.
    (tmp_path / "trade.md").write_text(
        "---\nheadline: Merger review\ndate: 2026-01-27\n---\n"
        "The Federal Trade Commission closed its merger review in December.\n\n"
        "The Fair Trade Coalition said the merger review was too quick.\n",
        encoding="utf-8",
    )
    check = CrossEncoder(default_cross_encoder_files(), capacity=0)
    asked: list[str] = []
    scores = check.scores
    monkeypatch.setattr(check, "scores", lambda q, texts: asked.append(q) or scores(q, texts))
    question = "What did the FTC say about the merger review?"
    answerer = replace(all_stages, cross_encoder=check).answerer(load_corpus(tmp_path).corpus)
    answerer.answer(question)
    assert asked and set(asked) == {question}
    (tmp_path / "trade.md").write_text(MERGER, encoding="utf-8")  # one name: spelled out
    asked.clear()
    answerer = replace(all_stages, cross_encoder=check).answerer(load_corpus(tmp_path).corpus)
    answerer.answer("What did the FTC decide?")
    assert set(asked) == {"What did the Federal Trade Commission decide?"}


def test_an_answer_the_check_all_but_rules_out_is_declined(
    bundled: Corpus, all_stages: Ranking
) -> None:
    answer = all_stages.answerer(bundled).answer("Who won the 2019 World Series?")
    assert answer.best is None
    assert answer.results[0].check is not None and answer.results[0].check < CHECK_VETO
    assert answer.evidence == 0.0


def test_a_check_that_cannot_be_loaded_is_one_warning_and_the_other_stages_answer(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(bot.cross_encoder, "_PACKAGE", "no_such_model_package")
    load_cross_encoder.cache_clear()
    try:
        code = main(["ask", "How many missiles did Iran launch?", "--json"])
    finally:
        load_cross_encoder.cache_clear()
    out, err = capsys.readouterr()
    assert code == 0
    assert err == (
        "warning: no answer check: the model's package no_such_model_package is not installed\n"
    )
    assert "more than a dozen ballistic missiles" in json.loads(out)["answer"]["passage"]


def test_a_tampered_model_file_is_refused(tmp_path: Path) -> None:
    files = default_cross_encoder_files()
    copy = tmp_path / "model.onnx"
    copy.write_bytes(files.model.read_bytes()[:-1] + b"\0")
    with pytest.raises(EmbeddingUnavailable, match="is not the file expected"):
        CrossEncoder(type(files)(files.name, copy, files.tokenizer, files.model_sha256))


def test_a_threshold_of_zero_still_declines_what_the_check_vetoes(
    bundled: Corpus, all_stages: Ranking
) -> None:
    answerer = replace(all_stages, threshold=0.0).answerer(bundled)
    assert answerer.answer("Who won the 2019 World Series?").best is None


def test_the_models_read_a_full_width_question_as_the_analyzer_does(
    bundled: Corpus, all_stages: Ranking
) -> None:
    answerer = all_stages.answerer(bundled)
    plain = answerer.answer("Who was Iran's chief nuclear negotiator?")
    wide = answerer.answer(
        "Ｗｈｏ ｗａｓ Ｉｒａｎ'ｓ ｃｈｉｅｆ ｎｕｃｌｅａｒ ｎｅｇｏｔｉａｔｏｒ？"
    )
    assert plain.best is not None and wide.best is not None
    assert wide.best.ref == plain.best.ref
    assert wide.best.check == plain.best.check


LEVEE = (
    "The {fi}nal report on the Harmon levee failure was {fi}led on Monday by the state "
    "engineer's of{fi}ce."
)


def test_the_models_read_a_passage_with_ligatures_as_the_analyzer_does(
    all_stages: Ranking,
) -> None:
    """Text copied from a PDF writes "ﬁ" as one character, which the tokenizer had made
    a word piece of its own: the passage was declined, and answers written plainly."""
    answers = {}
    for fi in ("\ufb01", "fi"):
        article = Article(
            "levee",
            "Levee report blames missed inspections",
            (
                Passage(LEVEE.format(fi=fi)),
                Passage("It found that three scheduled inspections were skipped since 2019."),
                Passage("County commissioners said they would vote on repairs next month."),
            ),
        )
        answers[fi] = all_stages.answerer(Corpus((article,))).answer(
            "When was the final report filed?"
        )
    ligature, plain = answers["\ufb01"], answers["fi"]
    assert plain.best is not None and ligature.best is not None
    assert ligature.best.ref.passage.text == LEVEE.format(fi="\ufb01")  # shown as written
    assert ligature.best.check == plain.best.check
    assert ligature.best.similarity == plain.best.similarity
    assert ligature.evidence == plain.evidence


def test_a_passage_too_long_to_read_whole_is_read_in_windows(
    tmp_path: Path, all_stages: Ranking
) -> None:
    filler = " ".join(
        f"Council members discussed item {n} of the budget at length on Tuesday." for n in range(60)
    )  # one passage (under MAX_PASSAGE_CHARS), far past the model's 256 tokens
    answer = "The new library on Elm Street will open on March 3 with 40,000 books."
    (tmp_path / "council.md").write_text(
        "---\nheadline: Council meets on the budget\ndate: 2024-02-01\n---\n\n"
        f"{filler} {answer}\n\nThe meeting ended at 9 p.m.\n"
    )
    corpus = load_corpus(tmp_path).corpus
    assert len(corpus.passages[0].passage.body.split()) > 600
    found = all_stages.answerer(corpus).answer("When does the new library open?")
    assert found.best is not None  # read to its end, not vetoed on its first 256 tokens
    assert found.sentence == answer


def test_topic_summaries_do_not_run_the_check(
    bundled: Corpus, all_stages: Ranking, monkeypatch: pytest.MonkeyPatch
) -> None:
    check = CrossEncoder(default_cross_encoder_files())
    monkeypatch.setattr(check, "scores", lambda *args: pytest.fail("a topic was checked"))
    answerer = replace(all_stages, cross_encoder=check).answerer(bundled)
    summary = summarize_topic(answerer, "ballistic missiles")
    assert summary.title == "What the coverage says about ballistic missiles"


SQUAD = Path(__file__).parent / "data" / "squad" / "squad-v1.1-dev-part-a.json"


def test_the_check_reads_the_close_sentences_and_bolds_the_one_that_answers(
    all_stages: Ranking,
) -> None:
    # SQuAD v1.1's first paragraph (Rajpurkar et al. 2016, CC BY-SA 4.0): its first
    # sentence shares the most words with the question ("Super Bowl"), but the answer
    # is in the third; merit alone (the same ranking without the check) bolds the first.
    context = json.loads(SQUAD.read_text(encoding="utf-8"))["data"][0]["paragraphs"][0]
    corpus = Corpus((Article("sb50", "Super Bowl 50", (Passage(context["context"]),)),))
    question = "What day was the Super Bowl played on?"
    checked = all_stages.answerer(corpus).answer(question)
    unchecked = Ranking(all_stages.reranker).answerer(corpus).answer(question)
    assert checked.sentence is not None and unchecked.sentence is not None
    assert checked.sentence.startswith("The game was played on February 7, 2016, at Levi's")
    assert unchecked.sentence.startswith("Super Bowl 50 was an American football game")


def test_ctrl_c_while_the_models_load_stops_the_command_instead_of_dropping_them(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    real_import = builtins.__import__

    def interrupted(name: str, *args: object, **kwargs: object) -> object:
        if name == "onnxruntime":  # as Ctrl-C in its extension's start-up surfaces
            try:
                raise KeyboardInterrupt
            except KeyboardInterrupt as stop:
                raise ImportError("initialization failed") from stop
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", interrupted)
    load_reranker.cache_clear()
    load_cross_encoder.cache_clear()
    try:
        code = main(["ask", "How many missiles did Iran launch?"])
    finally:
        load_reranker.cache_clear()
        load_cross_encoder.cache_clear()
    out, err = capsys.readouterr()
    assert (code, out, err) == (130, "", "")  # not answered by BM25 alone, as if asked to
