"""More of what people write: titles in JSON Lines, Markdown without front matter, dates
with slashes, and JSON strings holding line separators."""

from __future__ import annotations

import datetime as dt
import json
import warnings
from pathlib import Path

import pytest

from bot.corpus import load_corpus


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_jsonl_takes_title_as_markdown_does(tmp_path: Path) -> None:
    record = {"title": "Oil prices jump", "date": "2020-01-08", "body": "Oil rose 4%."}
    write(tmp_path, "wire.jsonl", json.dumps(record))
    loaded = load_corpus(tmp_path)
    assert loaded.warnings == ()
    assert [a.headline for a in loaded.corpus.articles] == ["Oil prices jump"]


def test_markdown_without_front_matter_takes_its_heading_and_warns_it_is_undated(
    tmp_path: Path,
) -> None:
    write(tmp_path, "notes.md", "Intro line.\n\n## Background\n\n# The real title\n\nBody.\n")
    loaded = load_corpus(tmp_path)
    [article] = loaded.corpus.articles
    assert (article.headline, article.date, article.date_text) == (
        "The real title",
        None,
        "undated",
    )
    assert [p.text for p in article.passages] == ["Intro line.", "Body."]
    assert [str(w) for w in loaded.warnings] == [
        f"{tmp_path / 'notes.md'}: no date, so the article is undated (add 'date:' front matter)"
    ]
    assert not loaded.warnings[0].skipped


def test_front_matter_without_a_date_loads_undated_with_a_warning(tmp_path: Path) -> None:
    write(tmp_path, "a.md", "---\nheadline: H\n---\nText.\n")
    loaded = load_corpus(tmp_path)
    assert [(a.headline, a.date) for a in loaded.corpus.articles] == [("H", None)]
    assert [w.message for w in loaded.warnings] == [
        "no date, so the article is undated (add 'date:' front matter)"
    ]


def test_markdown_with_neither_headline_nor_heading_is_skipped(tmp_path: Path) -> None:
    write(tmp_path, "a.md", "## Only a subheading\n\nText.\n")
    loaded = load_corpus(tmp_path)
    assert loaded.corpus.articles == ()
    assert [str(w) for w in loaded.warnings] == [
        f"{tmp_path / 'a.md'}:1: needs a 'headline' (or 'title') in front matter, or a '# Heading'"
    ]


@pytest.mark.parametrize(
    ("written", "date"),
    [
        ("3/19/2024", dt.date(2024, 3, 19)),
        ("2024/03/19", dt.date(2024, 3, 19)),
        ("19/3/2024", dt.date(2024, 3, 19)),
        ("Sept. 8, 2020", dt.date(2020, 9, 8)),
        ("8 January 2020", dt.date(2020, 1, 8)),
        ("2020-01-08T23:30:00Z", dt.date(2020, 1, 8)),
    ],
)
def test_dates_as_people_write_them(tmp_path: Path, written: str, date: dt.date) -> None:
    write(tmp_path, "a.jsonl", json.dumps({"headline": "H", "date": written, "body": "Text."}))
    write(tmp_path, "b.md", f"---\nheadline: M\ndate: {written}\n---\nOther text.\n")
    loaded = load_corpus(tmp_path)
    assert loaded.warnings == ()
    assert [a.date for a in loaded.corpus.articles] == [date, date]


@pytest.mark.parametrize("written", ["January 2020", "2020", "19", "yesterday", "2/30/2024"])
def test_a_date_missing_its_day_month_or_year_is_not_today(tmp_path: Path, written: str) -> None:
    write(tmp_path, "a.jsonl", json.dumps({"headline": "H", "date": written, "body": "Text."}))
    loaded = load_corpus(tmp_path)
    assert [a.date for a in loaded.corpus.articles] == [None]
    assert [str(w) for w in loaded.warnings] == [
        f"{tmp_path / 'a.jsonl'}:1: 'date': not a date: {written!r} (use 2020-01-08 or Jan 8,"
        " 2020); the article is loaded undated"
    ]


def test_jsonl_strings_may_hold_line_separators(tmp_path: Path) -> None:
    record = {"headline": "H", "date": "2020-01-08", "body": "One\u2028two\u0085three."}
    second = {"headline": "Second", "date": "2020-01-08", "body": "More."}
    lines = [json.dumps(r, ensure_ascii=False) for r in (record, second)]
    write(tmp_path, "a.jsonl", "\r\n".join(lines) + "\r\n")
    loaded = load_corpus(tmp_path)
    assert loaded.warnings == ()
    assert [a.headline for a in loaded.corpus.articles] == ["H", "Second"]


def test_a_quote_attribution_in_a_paragraph_of_its_own_stays_with_its_quote(
    tmp_path: Path,
) -> None:
    (tmp_path / "power.md").write_text(
        "---\nheadline: Power cut\ndate: 2024-08-14\n---\nNorthline cut power.\n\n"
        "> We will not restore power until it is safe.\n>\n"
        "> — Northline Electric spokesperson Priya Nandakumar\n\nMore text.\n",
        encoding="utf-8",
    )
    [article] = load_corpus(tmp_path).corpus.articles
    assert [p.body for p in article.passages] == [
        "Northline cut power.",
        "We will not restore power until it is safe. — Northline Electric spokesperson "
        "Priya Nandakumar",
        "More text.",
    ]


def test_a_date_with_a_time_zone_is_read_without_a_python_warning(tmp_path: Path) -> None:
    write(tmp_path, "a.md", "---\nheadline: M\ndate: Sept. 26, 2025, 8:30 a.m. ET\n---\nText.\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # dateutil's UnknownTimezoneWarning reached stderr
        loaded = load_corpus(tmp_path)
    assert [a.date for a in loaded.corpus.articles] == [dt.date(2025, 9, 26)]


@pytest.mark.parametrize(
    "line",
    [
        "Updated Sep 30, 2025, 6:10 p.m. ET",
        "Sept. 30, 2025 at 6 pm",
        "Sep 30, 2025 6:10 a.m.",
        "Sep 30, 2025 at 9:05 PM ET",
        "Sept. 30, 2025 / 10:42 a.m.",
        "Published Sep 30, 2025",
        "Tuesday, September 30, 2025",
        "2025-09-30",
        "Last updated: Sep 30, 2025, 11:58 p.m.",
    ],
)
def test_a_text_page_date_line_may_carry_the_time(tmp_path: Path, line: str) -> None:
    write(tmp_path, "refills.txt", f"{line}\n\nPharmacy restores refills\n\nRefills resumed.\n")
    loaded = load_corpus(tmp_path)
    [found] = loaded.corpus.articles
    assert (found.headline, found.date, loaded.warnings) == (
        "Pharmacy restores refills",
        dt.date(2025, 9, 30),
        (),
    )
    assert found.updated == line.startswith(("Updated", "Last updated"))
