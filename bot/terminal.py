"""How answers look in a terminal (rich) and in JSON: the CLI's formatting, nothing else.

Text from the corpus or a question reaches the terminal only as rich ``Text`` made by
:func:`plain_text`, never as a markup string: ``[/bold]`` in a headline is shown, not
parsed, and escape sequences in a file cannot drive the terminal.
"""

from __future__ import annotations

import io
import json
import math
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from bot.answer import BIDI_CONTROLS, ESCAPE_SEQUENCE, Answer, Hit
from bot.corpus import Article, headline_then
from bot.summary import Summary

NO_ANSWER = "The coverage doesn't answer that. `coverage-bot articles` lists what it covers."
_PREVIEW_CHARS = 90
_SENTENCE_END = re.compile(r"[.!?][\"”’']?$")
_HEADLINE_MIN_WIDTH = 20
"""Below this many columns for the headline, the articles are listed one under another."""
_BORDER_TEXT_MARGIN = 6
"""Columns of a panel's border around its title: a corner, a rule and a space either side."""

_CONTROLS = [chr(c) for c in (*range(0x20), *range(0x7F, 0xA0)) if chr(c) != "\n"]
_UNSAFE = str.maketrans(
    {c: " " if c.isspace() else None for c in _CONTROLS} | dict.fromkeys(BIDI_CONTROLS)
)


def output_console() -> Console:
    """Where the commands print: the terminal, or when the output goes to a file or
    another program, the same text without the blanks rich leaves at the end of a line it
    wraps where a word ends ("...U.S. troops: " then the next line)."""
    if sys.stdout.isatty():
        return _Output(highlight=False)
    return _Output(highlight=False, file=_TrimmedLines(sys.stdout))


class _Output(Console):
    """rich's console, but a reader that stops reading (``| head``) is the commands' to
    handle, as a stop and not an error: rich would exit with status 1 itself."""

    def on_broken_pipe(self) -> None:
        raise BrokenPipeError


class _TrimmedLines(io.TextIOBase):
    """A text stream that writes each whole line to ``out`` without its trailing blanks."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._line = ""  # the part of a line written so far, until its line break

    @property
    def encoding(self) -> str:  # type: ignore[override]  # what rich may draw boxes with
        return self._out.encoding

    def write(self, text: str) -> int:
        *lines, self._line = (self._line + text).split("\n")
        if lines:
            self._out.write("".join(line.rstrip(" ") + "\n" for line in lines))
        return len(text)

    def flush(self) -> None:
        """Writes out a line not yet ended too, as it is (rich ends what it prints with a
        line break): nothing printed is held back."""
        self._out.write(self._line)
        self._line = ""
        self._out.flush()


def plain(text: str) -> str:
    """``text`` as a terminal may show it: escape sequences removed whole (not leaving
    "[31m" behind), then any other C0 and C1 control characters and bidi overrides dropped, so
    that corpus text cannot move the cursor, retitle the window or reverse what follows
    it; line breaks stay, other spacing becomes a space."""
    return ESCAPE_SEQUENCE.sub("", text).translate(_UNSAFE)


def plain_line(text: str) -> str:
    """:func:`plain` on one line, for a message: a line break in a file's name is shown as
    ``\\n``, so the name cannot start a line of its own (a forged "warning: ...")."""
    return "\\n".join(plain(text).splitlines())


def plain_text(text: str, style: str = "") -> Text:
    """Corpus or question text as rich shows it: literally, never read as markup."""
    return Text(plain(text), style=style)


def hit_json(hit: Hit) -> dict[str, Any]:
    """A ranked passage as JSON: the passage shown alone and where it comes from. A score
    that is not a finite number is null: ``Infinity`` or ``NaN`` would not be JSON."""
    article = hit.ref.article
    return {
        "passage": hit.ref.passage.standalone,
        "headline": article.headline,
        "date": article.date.isoformat() if article.date else None,
        "source": article.source,
        "url": article.url,
        "article_id": article.id,
        "passage_id": hit.ref.id,
        "score": round(hit.score, 6) if math.isfinite(hit.score) else None,
    }


def answer_json(answer: Answer) -> dict[str, Any]:
    """The answer as one JSON object: ``answer`` is null when the coverage has none."""
    best = None
    if answer.best is not None:
        best = {**hit_json(answer.best), "sentence": answer.sentence}
    return {
        "question": answer.question,
        "read_as": answer.read_as,
        "answer": best,
        "results": [hit_json(hit) for hit in answer.results],
    }


def article_json(article: Article) -> dict[str, Any]:
    return {
        "id": article.id,
        "headline": article.headline,
        "date": article.date.isoformat() if article.date else None,
        "updated": article.updated,
        "source": article.source,
        "url": article.url,
        "passages": len(article.passages),
    }


def render_answer(answer: Answer) -> RenderableType:
    """The answer as a panel: headline on top, passage with its best sentence in bold;
    under a line saying how the question was read when misspellings were corrected."""
    shown = _shown_answer(answer)
    if answer.read_as is None:
        return shown
    return Group(plain_text(f"Read as: {answer.read_as}", style="dim"), shown)


def _shown_answer(answer: Answer) -> RenderableType:
    if answer.best is None:
        return Text(NO_ANSWER, style="yellow")
    ref = answer.best.ref
    passage = Text()
    if ref.passage.lead_in:
        passage.append_text(plain_text(ref.passage.lead_in + "\n", style="dim"))
    body = plain_text(ref.passage.body)
    if answer.sentence:
        sentence = plain(answer.sentence)
        start = body.plain.find(sentence)
        if start >= 0:
            body.stylize("bold", start, start + len(sentence))
    passage.append_text(body)
    panel = _AnswerPanel(
        passage,
        plain_text(ref.article.headline, style="bold cyan"),
        plain_text(f"{ref.article.date_text} · {ref.article.source}"),
    )
    others = answer.results[1:]
    if not others:
        return panel
    lines = Text("Also in the coverage:\n", style="dim")
    for rank, hit in enumerate(others, 2):
        preview = plain(hit.ref.passage.body)
        if len(preview) > _PREVIEW_CHARS:
            preview = preview[:_PREVIEW_CHARS].rsplit(" ", 1)[0]
            # After a whole sentence the ellipsis stands apart ("open. …", not "open.…").
            preview += " …" if _SENTENCE_END.search(preview) else "…"
        lines.append_text(
            plain_text(f"{rank}. {headline_then(hit.ref.article.headline)}", style="cyan")
        )
        lines.append_text(Text(preview + "\n"))
    return Group(panel, lines)


@dataclass(frozen=True)
class _AnswerPanel:
    """The passage in a box, its headline on the top border and its date and source on
    the bottom one where they fit; laid out when the width is known, so that one too
    wide for its border is set inside the box in full rather than cut mid-word."""

    passage: Text
    headline: Text
    byline: Text

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        room = options.max_width - _BORDER_TEXT_MARGIN
        title = self.headline if self.headline.cell_len <= room else None
        subtitle = self.byline if self.byline.cell_len <= room else None
        inside = Text()
        if title is None:
            inside.append_text(self.headline + "\n")
        inside.append_text(self.passage)
        if subtitle is None:
            inside.append_text(Text("\n") + Text(self.byline.plain, style="dim"))
        yield Panel(
            inside, title=title, title_align="left", subtitle=subtitle, subtitle_align="right"
        )


def render_articles(articles: Sequence[Article]) -> RenderableType:
    """The articles as a table whose headline column is the one that always fits."""
    return _ArticleTable(tuple(articles))


@dataclass(frozen=True)
class _ArticleTable:
    """Laid out when the width is known: a table while the headline column can be at
    least ``_HEADLINE_MIN_WIDTH`` wide, else one article under another. The id sits under
    its headline, cut with an ellipsis where it is wider than the column."""

    articles: tuple[Article, ...]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        dates = [_date_lines(a) for a in self.articles]
        date_width = max(cell_len(line) for d in ["date", *dates] for line in d.split("\n"))
        widest = max(
            [
                cell_len("headline / id"),
                *(cell_len(plain(a.headline)) for a in self.articles),
                *(cell_len(plain(a.id)) for a in self.articles),
            ]
        )
        # Three columns, each padded by a space either side, between four borders.
        room = options.max_width - 3 * 3 - 1 - date_width - cell_len("passages")
        if room < _HEADLINE_MIN_WIDTH:
            yield self._stacked()
            return
        table = Table(title="Articles", title_justify="left", show_lines=True)
        table.add_column("headline / id", width=min(room, widest))
        table.add_column("date", width=date_width)
        table.add_column("passages", justify="right", no_wrap=True)
        for article, date in zip(self.articles, dates, strict=True):
            table.add_row(_headline_and_id(article), Text(date), str(len(article.passages)))
        yield table

    def _stacked(self) -> RenderableType:
        rows: list[RenderableType] = [Text("Articles", style="italic")]
        for article in self.articles:
            rows.append(Text())
            rows.append(_headline_and_id(article))
            rows.append(Text(f"{article.date_text} · {_passages(article)}", style="dim"))
        return Group(*rows)


def _headline_and_id(article: Article) -> RenderableType:
    headline = plain_text(article.headline, style="bold")
    headline.overflow = "fold"
    identifier = plain_text(article.id, style="dim")
    identifier.no_wrap, identifier.overflow = True, "ellipsis"
    return Group(headline, identifier)


def _passages(article: Article) -> str:
    count = len(article.passages)
    return f"{count} passage" if count == 1 else f"{count} passages"


def _date_lines(article: Article) -> str:
    """The date with "Updated" on a line of its own, so that the date column stays narrow."""
    return article.date_text.replace("Updated ", "Updated\n", 1)


def summary_json(summary: Summary) -> dict[str, Any]:
    """The summary as JSON: each sentence with the article it is quoted from."""
    return {
        "title": summary.title,
        "sentences": [
            {
                "text": s.text,
                "article_id": s.article.id,
                "headline": s.article.headline,
                "date": s.article.date.isoformat() if s.article.date else None,
            }
            for s in summary.sentences
        ],
    }


def render_summary(summary: Summary) -> RenderableType:
    """The title, then each sentence with its source headline beneath it; a summary of one
    article (its headline the title) names its date once, under the title."""
    text = plain_text(summary.title + "\n", style="bold")
    one = summary.of_article
    if one is not None:
        text.append_text(plain_text(f"{one.date_text}\n", style="dim cyan"))
    for sentence in summary.sentences:
        text.append_text(plain_text("• " + sentence.text + "\n"))
        if one is None:
            source = headline_then(sentence.article.headline, ",")
            text.append_text(
                plain_text(f"  — {source}{sentence.article.date_text}\n", style="dim cyan")
            )
    return text


def json_text(value: object, *, allow_nan: bool = True) -> str:
    """``value`` as indented JSON for standard output: other scripts as written where the
    output is UTF-8, and as ``\\u`` escapes where it is not (where "?" would stand for
    them: machine-read output must lose nothing)."""
    encoding = (sys.stdout.encoding or "").lower().replace("-", "").replace("_", "")
    return json.dumps(value, ensure_ascii=encoding != "utf8", indent=2, allow_nan=allow_nan)
