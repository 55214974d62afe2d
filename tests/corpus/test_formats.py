"""Markdown with front matter and JSON Lines: what loads, and what is skipped with a warning."""

from __future__ import annotations

import datetime as dt
import gc
import json
from pathlib import Path

import pytest

from bot.answer import Answerer
from bot.corpus import CorpusNotFoundError, PassageKind, load_corpus
from bot.corpus.structure import has_pronoun_speaker
from bot.summary import summarize_article

MARKDOWN = """---
headline: Iraq's parliament votes to expel U.S. troops
date: 2020-01-05
url: https://example.com/iraq-vote
source: Example News
---
Iraq's parliament voted Sunday to **expel** U.S. troops, in a [non-binding](https://x) resolution.

Why it matters: The vote follows the killing of Qasem Soleimani.

- Prime Minister Adel Abdul Mahdi backed the resolution.
  - "We have no choice," he said.
- Kurdish lawmakers boycotted the session.

"This is a sovereign decision."
— Adel Abdul Mahdi
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_markdown_article_with_front_matter(tmp_path: Path) -> None:
    write(tmp_path, "vote.md", MARKDOWN)
    loaded = load_corpus(tmp_path)
    assert loaded.warnings == ()
    [article] = loaded.corpus.articles
    assert article.headline == "Iraq's parliament votes to expel U.S. troops"
    assert article.date == dt.date(2020, 1, 5)
    assert article.url == "https://example.com/iraq-vote"
    assert article.source == "Example News"
    texts = [p.body for p in article.passages]
    assert texts[0] == (
        "Iraq's parliament voted Sunday to expel U.S. troops, in a non-binding resolution."
    )
    assert texts[1] == "Why it matters: The vote follows the killing of Qasem Soleimani."
    he_said = article.passages[3]
    assert he_said.kind is PassageKind.BULLET
    assert he_said.lead_in == "Prime Minister Adel Abdul Mahdi backed the resolution."
    assert article.passages[-1].attribution == "Adel Abdul Mahdi"


def test_markdown_title_key_and_written_date(tmp_path: Path) -> None:
    write(tmp_path, "a.md", "---\ntitle: A title\ndate: Jan 9, 2020\n---\nSome text.\n")
    [article] = load_corpus(tmp_path).corpus.articles
    assert (article.headline, article.date) == ("A title", dt.date(2020, 1, 9))
    assert article.source == "a.md"


def test_jsonl_articles_with_body_or_paragraphs(tmp_path: Path) -> None:
    lines = [
        {
            "headline": "Oil prices jump",
            "date": "2020-01-08",
            "source": "Wire",
            "body": "Oil rose 4% overnight\nafter the strikes.\n\n• Brent crossed $70.",
        },
        {
            "headline": "Markets calm",
            "date": "2020-01-09",
            "url": "https://example.com/markets",
            "paragraphs": ["Stocks recovered.", "Gold fell."],
        },
    ]
    write(tmp_path, "wire.jsonl", "\n".join(json.dumps(line) for line in lines) + "\n")
    loaded = load_corpus(tmp_path)
    assert loaded.warnings == ()
    oil, markets = loaded.corpus.articles
    assert [p.text for p in oil.passages] == [
        "Oil rose 4% overnight after the strikes.",
        "Brent crossed $70.",
    ]
    assert oil.passages[1].kind is PassageKind.BULLET
    assert oil.source == "Wire"
    assert [p.text for p in markets.passages] == ["Stocks recovered.", "Gold fell."]
    assert markets.source == "wire.jsonl"
    assert markets.url == "https://example.com/markets"


def test_a_jsonl_line_cut_off_in_a_string_says_where_the_string_starts(tmp_path: Path) -> None:
    write(tmp_path, "cut.jsonl", '{"headline": "Cut", "date": "2025-02-03", "body": "The heli')
    [warning] = [str(w) for w in load_corpus(tmp_path).warnings]
    assert warning.endswith(": not valid JSON: Unterminated string starting at column 51")


def test_malformed_jsonl_lines_are_skipped_with_file_and_line(tmp_path: Path) -> None:
    good = json.dumps({"headline": "Good", "date": "2020-01-08", "body": "Fine text."})
    write(
        tmp_path,
        "mixed.jsonl",
        "\n".join(
            [
                good,
                "{not json",
                json.dumps({"date": "2020-01-08", "body": "No headline."}),
                json.dumps({"headline": "Bad date", "date": "yesterday", "body": "x"}),
                json.dumps({"headline": "No text", "date": "2020-01-08"}),
                json.dumps(["a", "list"]),
                json.dumps({"headline": "Bad paragraphs", "date": "2020-01-08", "paragraphs": 3}),
            ]
        ),
    )
    loaded = load_corpus(tmp_path)
    assert [a.headline for a in loaded.corpus.articles] == ["Good", "Bad date"]  # undated
    warnings = [str(w) for w in loaded.warnings]
    assert [w.split(": ", 1)[0] for w in warnings] == [
        f"{tmp_path / 'mixed.jsonl'}:{n}" for n in (2, 3, 4, 5, 6, 7)
    ]
    assert warnings[0].endswith(
        ": not valid JSON: Expecting property name enclosed in double quotes at column 2"
    )
    assert "missing 'headline'" in warnings[1]
    assert "not a date" in warnings[2]
    assert "missing 'body'" in warnings[3]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("no-front-matter.md", "Just text.\n", "needs a 'headline'"),
        (
            "bad-yaml.md",
            "---\nheadline: [unclosed\ndate: 2020-01-01\n---\nText\n",
            "not valid YAML",
        ),
        ("empty-body.md", "---\nheadline: H\ndate: 2020-01-01\n---\n\n", "no text"),
        ("empty.txt", "", "empty"),
        ("only-date.txt", "Jan 8, 2020\n", "no headline"),
        ("one-line.txt", "Plain note about the budget.\n", "no text under it"),
        ("binary.txt", "PK\x00\x03\x04", "binary"),
        ("notes.csv", "a,b\n", None),
    ],
)
def test_malformed_files_warn_and_the_rest_loads(
    tmp_path: Path, name: str, content: str, message: str | None
) -> None:
    write(tmp_path, "good.md", "---\nheadline: Good\ndate: 2020-01-08\n---\nFine text.\n")
    write(tmp_path, name, content)
    loaded = load_corpus(tmp_path)
    assert [a.headline for a in loaded.corpus.articles] == ["Good"]
    if message is None:  # files of other kinds are not coverage and are not read
        assert loaded.warnings == ()
    else:
        [warning] = loaded.warnings
        assert warning.path == tmp_path / name
        assert message in warning.message


@pytest.mark.parametrize(
    ("written", "why"),
    [
        ("someday", "not a date: 'someday'"),
        ("2025-13-45", "not a date: '2025-13-45' (use 2020-01-08 or Jan 8, 2020)"),
    ],
)
def test_a_date_that_is_not_one_loads_the_article_undated_and_says_so(
    tmp_path: Path, written: str, why: str
) -> None:
    # A typo in a date must not take the whole article out of the answers.
    write(tmp_path, "typo.md", f"---\nheadline: H\ndate: {written}\n---\nText\n")
    loaded = load_corpus(tmp_path)
    assert [(a.headline, a.date) for a in loaded.corpus.articles] == [("H", None)]
    [warning] = loaded.warnings
    assert (warning.path, warning.line, warning.skipped) == (tmp_path / "typo.md", 3, False)
    assert warning.message.startswith(f"front matter 'date': {why}")
    assert warning.message.endswith("; the article is loaded undated")


def test_loading_leaves_the_cycle_collector_on_even_when_a_read_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Loading pauses the collector for speed; a bot that reloads must not run on without it.
    write(tmp_path, "good.md", "---\nheadline: Good\ndate: 2020-01-08\n---\nFine text.\n")
    load_corpus(tmp_path)
    assert gc.isenabled()

    def failing_read(path: Path) -> bytes:
        raise MemoryError

    monkeypatch.setattr(Path, "read_bytes", failing_read)
    with pytest.raises(MemoryError):
        load_corpus(tmp_path)
    assert gc.isenabled()


def test_empty_folder_is_an_empty_corpus(tmp_path: Path) -> None:
    loaded = load_corpus(tmp_path)
    assert (loaded.corpus.articles, loaded.corpus.passages, loaded.warnings) == ((), (), ())


def test_missing_corpus_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusNotFoundError, match="no corpus at"):
        load_corpus(tmp_path / "nowhere")


def test_same_headline_with_different_dates_stays_two_articles(tmp_path: Path) -> None:
    lines = [
        {"headline": "Live updates", "date": "2020-01-07", "body": "Day one."},
        {"headline": "Live updates", "date": "2020-01-08", "body": "Day two."},
    ]
    write(tmp_path, "live.jsonl", "\n".join(json.dumps(line) for line in lines))
    first, second = load_corpus(tmp_path).corpus.articles
    assert (first.id, second.id) == ("live-updates-a17639", "live-updates-3f5b4d")


def test_same_headline_and_date_from_two_publications_stays_two_articles(
    tmp_path: Path,
) -> None:
    for name, source, letter in (
        ("courier.md", "The Courier", "The hospital should have paid."),
        ("journal.md", "Business Journal", "The parking plan will drive shoppers away."),
    ):
        write(
            tmp_path,
            name,
            f"---\nheadline: Letters to the editor\ndate: 2025-09-20\nsource: {source}\n---\n"
            f"{letter}\n",
        )
    write(tmp_path, "teaser.md", "---\nheadline: Letters to the Editor\n---\nShort.\n")
    articles = load_corpus(tmp_path).corpus.articles
    assert sorted((a.source, a.passages[0].text) for a in articles) == [
        ("Business Journal", "The parking plan will drive shoppers away."),
        ("The Courier", "The hospital should have paid."),
    ]  # the teaser, naming no publication, merges into one of them


def test_hidden_files_are_not_read(tmp_path: Path) -> None:
    (tmp_path / ".cache").mkdir()
    write(tmp_path / ".cache", "x.md", "broken")
    assert load_corpus(tmp_path).warnings == ()


WATER_PLANT = """---
headline: Water plant repairs under way
date: 2024-06-14
---
MILLBROOK — Crews began pumping floodwater out of the Hanson Road treatment plant on Friday.

Utilities director Raj Patel said he expects the plant to resume pumping by next Wednesday.

Mayor Dana Ruiz toured the plant. "We will be ready," she said.

"It is the worst flood in fifty years," he said.
"""


def test_a_paragraph_that_names_its_speaker_takes_nothing_from_the_one_before(
    tmp_path: Path,
) -> None:
    """Only a quote whose speaker is a bare pronoun borrows the paragraph before's first
    sentence: "Patel said he expects" is Patel speaking, and gluing the lede onto it
    made an answer show the wrong text."""
    write(tmp_path, "plant.md", WATER_PLANT)
    [article] = load_corpus(tmp_path).corpus.articles
    patel, mayor, pronoun_only = article.passages[1:]
    assert (patel.lead_in, mayor.lead_in) == (None, None)
    assert pronoun_only.lead_in == "Mayor Dana Ruiz toured the plant."


@pytest.mark.parametrize(
    ("paragraph", "bare_pronoun"),
    [
        ('"We are done," he said Tuesday.', True),
        ('"We will," he said, and added that the talks had failed.', True),
        ('"It is over," she told Reuters.', True),
        ('"Yes," Ferreira said. "Never again," he added.', False),
        ('"Soon," said Kessler, before he told the crowd to go home.', False),
        ("The director said he expects the plant to reopen.", False),
        ("Whitfield blamed the gap on costs that she said have not kept pace.", False),
        ("Then, she said, the talks ended.", True),
        ("Later she said the talks had ended.", True),
        ("Asked whether the depot would reopen, she said it would by May.", True),
        ("Speaking to reporters, he said the vote was close.", True),
        ("Outside the courthouse, he said the ruling was wrong.", True),
        ("Pressed on the cost, she said the district had no choice.", True),
        ("Now she says the plan is dead.", True),
        ("Ferreira argues that the cuts, she said, go too far.", False),
        ("The agency cut its offer, people familiar with the talks said, they said.", False),
    ],
)
def test_whether_a_paragraphs_speaker_is_a_bare_pronoun(paragraph: str, bare_pronoun: bool) -> None:
    assert has_pronoun_speaker(paragraph) is bare_pronoun


def test_an_answer_and_a_summary_keep_a_named_speakers_sentence(tmp_path: Path) -> None:
    write(tmp_path, "plant.md", WATER_PLANT)
    corpus = load_corpus(tmp_path).corpus
    answer = Answerer(corpus).answer("When will the plant resume pumping?")
    assert answer.best is not None
    assert answer.best.ref.passage.standalone == (
        "Utilities director Raj Patel said he expects the plant to resume pumping by next "
        "Wednesday."
    )
    summary = summarize_article(corpus, "water plant", sentences=3)
    assert any("Raj Patel said he expects" in s.text for s in summary.sentences)


def test_a_text_page_without_a_date_line_loads_undated_and_says_so(tmp_path: Path) -> None:
    write(tmp_path, "notes.txt", "Budget vote set\nThe board votes on Thursday.\n")
    loaded = load_corpus(tmp_path)
    [article] = loaded.corpus.articles
    assert (article.headline, article.date) == ("Budget vote set", None)
    [warning] = loaded.warnings
    assert (warning.line, warning.skipped) == (1, False)
    assert warning.message.startswith("no date, so the article is undated")


def test_a_page_whose_only_text_is_a_dated_teaser_is_not_called_undated(tmp_path: Path) -> None:
    page = "Budget vote set\nGo deeper\nTeaser head\nTeaser text.\nGo deeperArrowJan 9, 2020\n"
    write(tmp_path, "page.txt", page)
    loaded = load_corpus(tmp_path)
    assert [(a.headline, str(a.date)) for a in loaded.corpus.articles] == [
        ("Teaser head", "2020-01-09")
    ]
    assert loaded.warnings == ()


def test_a_bad_date_under_a_quoted_key_is_reported_on_its_line(tmp_path: Path) -> None:
    write(tmp_path, "a.md", '---\nheadline: H\n"date": 2025-13-45\n---\nText.\n')
    [warning] = load_corpus(tmp_path).warnings
    assert (warning.line, warning.skipped) == (3, False)
