"""What the terminal shows: corpus text as written, never markup or escape sequences, and
headlines that survive a narrow terminal or a pipe."""

from __future__ import annotations

import datetime as dt
import io
import re
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from rich.console import Console, RenderableType

from bot.answer import Answer, Hit
from bot.cli import main
from bot.corpus import Article, Corpus, Passage, load_corpus
from bot.summary import Summary, SummarySentence
from bot.terminal import plain, render_answer, render_articles, render_summary

BUNDLED_CORPUS = Path(__file__).resolve().parent.parent / "corpus"
SGR = re.compile(r"\x1b\[[0-9;]*m")
"""The only escape sequences rich itself writes here: colours and bold."""

MARKUP_HEADLINE = "Oil [/bold] jumps [link=https://evil.example]click[/link] :thumbs_up:"
HOSTILE = "Oil \x1b]0;pwned\x07rose\r\x1b[2J4%\x9b31m \u202eevil\u202c\ttoday."
HOSTILE_SHOWN = "Oil rose 4%31m evil today."

ARTICLES_80 = """\
Articles
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━┳━━━━━━━━━━┓
┃ headline / id                                       ┃ date        ┃ passages ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━╇━━━━━━━━━━┩
│ Top Iranian official appears to mimic Trump tweet   │ Jan 8, 2020 │        2 │
│ from Soleimani's killing                            │             │          │
│ top-iranian-official-appears-to-mimic-b51ab0        │             │          │
├─────────────────────────────────────────────────────┼─────────────┼──────────┤
│ Trump says "all is well" after Iranian strikes on   │ Updated     │       20 │
│ bases hosting U.S. troops                           │ Jan 8, 2020 │          │
│ trump-says-all-is-well-after-iranian-bbd2fd         │             │          │
├─────────────────────────────────────────────────────┼─────────────┼──────────┤
│ Signs of respite with Iran despite Trump's red line │ Jan 8, 2020 │        2 │
│ signs-of-respite-with-iran-despite-trumps-d6ac47    │             │          │
├─────────────────────────────────────────────────────┼─────────────┼──────────┤
│ Trump responds to missile strikes: "Iran appears to │ Jan 8, 2020 │        2 │
│ be standing down"                                   │             │          │
│ trump-responds-to-missile-strikes-iran-db349c       │             │          │
└─────────────────────────────────────────────────────┴─────────────┴──────────┘
"""

ARTICLES_40 = """\
Articles

Top Iranian official appears to mimic
Trump tweet from Soleimani's killing
top-iranian-official-appears-to-mimic-b…
Jan 8, 2020 · 2 passages

Trump says "all is well" after Iranian
strikes on bases hosting U.S. troops
trump-says-all-is-well-after-iranian-bb…
Updated Jan 8, 2020 · 20 passages

Signs of respite with Iran despite
Trump's red line
signs-of-respite-with-iran-despite-trum…
Jan 8, 2020 · 2 passages

Trump responds to missile strikes: "Iran
appears to be standing down"
trump-responds-to-missile-strikes-iran-…
Jan 8, 2020 · 2 passages
"""


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No developer's .env or settings leak into these tests."""
    monkeypatch.chdir(tmp_path)
    for name in ("COVERAGE_BOT_CORPUS", "COVERAGE_BOT_TOP"):
        monkeypatch.delenv(name, raising=False)


def shown(renderable: RenderableType, width: int = 80, terminal: bool = False) -> str:
    """What a reader sees: the rendering with rich's own colour codes taken out (and none
    of anything else), trailing blanks trimmed."""
    console = Console(
        file=io.StringIO(),
        width=width,
        force_terminal=terminal,
        color_system="truecolor" if terminal else None,
    )
    console.print(renderable)
    output = console.file.getvalue()
    visible = SGR.sub("", output)
    assert "\x1b" not in visible
    assert "\x9b" not in visible
    return "".join(line.rstrip() + "\n" for line in visible.splitlines())


def article(headline: str, body: str = "Oil rose 4% today.", source: str = "oil.md") -> Article:
    return Article("oil", headline, (Passage(body),), dt.date(2020, 1, 8), source=source)


def answer_from(found: Article, sentence: str | None = None) -> Answer:
    ref = Corpus((found,)).passages[0]
    return Answer("Why did oil jump?", Hit(ref, 1.0), sentence, (Hit(ref, 1.0),))


@pytest.mark.parametrize("terminal", [False, True])
def test_articles_at_80_columns_show_every_headline_and_id(terminal: bool) -> None:
    articles = load_corpus(BUNDLED_CORPUS).corpus.articles
    assert shown(render_articles(articles), 80, terminal) == ARTICLES_80


@pytest.mark.parametrize("terminal", [False, True])
def test_articles_at_40_columns_list_headlines_one_under_another(terminal: bool) -> None:
    articles = load_corpus(BUNDLED_CORPUS).corpus.articles
    assert shown(render_articles(articles), 40, terminal) == ARTICLES_40


@pytest.mark.parametrize(("columns", "expected"), [("80", ARTICLES_80), ("40", ARTICLES_40)])
def test_articles_command_piped_shows_the_headlines(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    columns: str,
    expected: str,
) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    assert main(["--corpus", str(BUNDLED_CORPUS), "articles"]) == 0
    out = capsys.readouterr().out
    assert "".join(line.rstrip() + "\n" for line in out.splitlines()) == expected


def test_long_headline_wraps_and_long_id_is_cut_in_the_table() -> None:
    long = Article("x" * 70, "Oil " * 20, (Passage("Oil rose."),), dt.date(2020, 1, 8))
    assert shown(render_articles([long]), 60) == (
        "Articles\n"
        "┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━┳━━━━━━━━━━┓\n"
        "┃ headline / id                   ┃ date        ┃ passages ┃\n"
        "┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━╇━━━━━━━━━━┩\n"
        "│ Oil Oil Oil Oil Oil Oil Oil Oil │ Jan 8, 2020 │        1 │\n"
        "│ Oil Oil Oil Oil Oil Oil Oil Oil │             │          │\n"
        "│ Oil Oil Oil Oil                 │             │          │\n"
        "│ xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx… │             │          │\n"
        "└─────────────────────────────────┴─────────────┴──────────┘\n"
    )


def test_markup_in_a_headline_is_shown_as_written_by_the_articles_command(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "a.md").write_text(
        f"---\nheadline: '{MARKUP_HEADLINE}'\ndate: 2020-01-08\n---\nOil rose 4% today.\n"
    )
    assert main(["--corpus", str(tmp_path / "a.md"), "articles"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert [line.rstrip() for line in captured.out.splitlines()][4:8] == [
        "│ Oil [/bold] jumps                                   │ Jan 8, 2020 │        1 │",
        "│ [link=https://evil.example]click[/link] :thumbs_up: │             │          │",
        "│ oil-bold-jumps-link-https-evil-example-ec9992       │             │          │",
        "└─────────────────────────────────────────────────────┴─────────────┴──────────┘",
    ]


@pytest.mark.parametrize("terminal", [False, True])
def test_answer_shows_markup_in_corpus_text_as_written(terminal: bool) -> None:
    body = "Traders said [bold red]buy[/] [link=https://x.example]now[/link]."
    found = article(MARKUP_HEADLINE, body)
    assert shown(render_answer(answer_from(found, body)), 80, terminal) == (
        "╭─ Oil [/bold] jumps [link=https://evil.example]click[/link] :thumbs_up: ──────╮\n"
        "│ Traders said [bold red]buy[/] [link=https://x.example]now[/link].            │\n"
        "╰─────────────────────────────────────────────────────── Jan 8, 2020 · oil.md ─╯\n"
    )


def test_link_markup_in_corpus_text_makes_no_link_in_a_terminal() -> None:
    console = Console(file=io.StringIO(), width=80, force_terminal=True, color_system="truecolor")
    console.print(render_answer(answer_from(article(MARKUP_HEADLINE))))
    assert "\x1b]8;" not in console.file.getvalue()


@pytest.mark.parametrize("terminal", [False, True])
def test_escape_sequences_and_bidi_overrides_in_the_corpus_are_dropped(terminal: bool) -> None:
    found = article(f"Headline {HOSTILE}", f"Body {HOSTILE}", source="a\x1b[2Jb.md")
    assert shown(render_answer(answer_from(found, f"Body {HOSTILE}")), 80, terminal) == (
        "╭─ Headline Oil rose 4%31m evil today. ────────────────────────────────────────╮\n"
        "│ Body Oil rose 4%31m evil today.                                              │\n"
        "╰──────────────────────────────────────────────────────── Jan 8, 2020 · ab.md ─╯\n"
    )


def test_summary_and_its_question_are_shown_without_control_characters() -> None:
    found = article(HOSTILE)
    title = "What the coverage says about \x1b[2Joil\u202e"
    summary = Summary(title, (SummarySentence(HOSTILE, found, 0, 0),))
    assert shown(render_summary(summary), 80, terminal=True) == (
        f"What the coverage says about oil\n• {HOSTILE_SHOWN}\n  — {HOSTILE_SHOWN} Jan 8, 2020\n\n"
    )


def test_chat_prints_corpus_text_without_escape_sequences(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "a.jsonl").write_text(
        '{"headline": "Oil \\u001b[2J[bold]jumps", "date": "2020-01-08",'
        ' "body": "Oil rose 4% \\u001b]0;pwned\\u0007today \\u202eafter the strikes."}\n'
    )
    monkeypatch.setattr(sys, "stdin", io.StringIO("Oil after the strikes?\n"))
    assert main(["--corpus", str(tmp_path), "chat"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out
    assert "\u202e" not in out
    assert "╭─ Oil [bold]jumps ─" in out  # the sequence goes whole; [bold] is text
    assert "│ Oil rose 4% today after the strikes. " in out


def test_plain_keeps_line_breaks_and_letters_of_every_script() -> None:
    assert plain("Iran\n\u0627\u06cc\u0631\u0627\u0646\u200c\u0647\u0627 👍\x00") == (
        "Iran\n\u0627\u06cc\u0631\u0627\u0646\u200c\u0647\u0627 👍"
    )


def test_best_sentence_stays_bold_after_control_characters_are_dropped() -> None:
    body = "Oil \x1b[8mrose. Traders bought more."
    console = Console(file=io.StringIO(), width=80, force_terminal=True, color_system="standard")
    console.print(render_answer(answer_from(article("Oil", body), "Traders bought more.")))
    assert "│ Oil rose. \x1b[1mTraders bought more.\x1b[0m" in console.file.getvalue()


@pytest.mark.parametrize("terminal", [False, True])
def test_a_headline_too_wide_for_the_border_is_shown_whole_inside_the_box(terminal: bool) -> None:
    headline = "Millbrook River crests at record 24 feet, forcing evacuations on the east side"
    found = article(headline, "The river crested at 24.3 feet.", source="The Millbrook Gazette")
    assert shown(render_answer(answer_from(found)), 80, terminal) == (
        "╭──────────────────────────────────────────────────────────────────────────────╮\n"
        "│ Millbrook River crests at record 24 feet, forcing evacuations on the east    │\n"
        "│ side                                                                         │\n"
        "│ The river crested at 24.3 feet.                                              │\n"
        "╰──────────────────────────────────────── Jan 8, 2020 · The Millbrook Gazette ─╯\n"
    )
    assert shown(render_answer(answer_from(found)), 34, terminal) == (
        "╭────────────────────────────────╮\n"
        "│ Millbrook River crests at      │\n"
        "│ record 24 feet, forcing        │\n"
        "│ evacuations on the east side   │\n"
        "│ The river crested at 24.3      │\n"
        "│ feet.                          │\n"
        "│ Jan 8, 2020 · The Millbrook    │\n"
        "│ Gazette                        │\n"
        "╰────────────────────────────────╯\n"
    )


def test_a_lone_control_byte_takes_no_text_with_it() -> None:
    """A Latin-1 file's 0x9D is a C1 byte that would begin a window title, and nothing
    ends it: the byte goes, the answer after it stays."""
    assert plain("24 feet on Monday\x9d and crews opened a shelter.") == (
        "24 feet on Monday and crews opened a shelter."
    )
    assert plain("\x1bHello, \x9b5 off") == "Hello, 5 off"
    assert plain("\x1b[1;31mred\x1b[0m and \x1b]0;title\x07done") == "red and done"


def test_a_preview_cut_after_a_sentence_sets_its_ellipsis_apart() -> None:
    first = (
        "The attorney general did not require the two hospitals to keep the maternity unit open."
    )
    found = Article(
        "ag",
        "Attorney general approves merger",
        (Passage("Approved with conditions."), Passage(f"{first} It asked for a report.")),
        dt.date(2020, 1, 8),
    )
    top, other = Corpus((found,)).passages
    answer = Answer("Who approved?", Hit(top, 2.0), None, (Hit(top, 2.0), Hit(other, 1.0)))
    assert "maternity unit open. …\n" in shown(render_answer(answer), width=200)


def test_a_headline_ending_in_a_full_stop_takes_no_second_stop() -> None:
    found = Article(
        "faq",
        "Your data may have been stolen. Here's what to do.",
        (Passage("Call the response line."), Passage("Freeze your credit at all three.")),
        dt.date(2025, 10, 8),
    )
    top, other = Corpus((found,)).passages
    answer = Answer("What now?", Hit(top, 2.0), None, (Hit(top, 2.0), Hit(other, 1.0)))
    assert "2. Your data may have been stolen. Here's what to do. Freeze your credit" in (
        shown(render_answer(answer), width=200)
    )
    summary = Summary("The story so far", (SummarySentence("Call the line.", found, 0, 0),))
    assert shown(render_summary(summary), width=200).splitlines()[2] == (
        "  — Your data may have been stolen. Here's what to do. Oct 8, 2025"
    )
    of_article = replace(summary, title=found.headline)  # its headline, once, as the title
    assert shown(render_summary(of_article), width=200).splitlines() == [
        "Your data may have been stolen. Here's what to do.",
        "Oct 8, 2025",
        "• Call the line.",
        "",
    ]
    assert (
        shown(
            render_summary(
                replace(
                    summary,
                    sentences=(
                        SummarySentence("Call.", replace(found, headline="Deal reached"), 0, 0),
                    ),
                )
            ),
            width=200,
        ).splitlines()[2]
        == "  — Deal reached, Oct 8, 2025"
    )
