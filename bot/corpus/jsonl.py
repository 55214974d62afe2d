"""JSON Lines coverage: one article per line.

Keys: ``headline`` (or ``title``) is required, ``date`` expected (without one the
article loads undated, with a warning), and the text as either
``body`` (one string; blank lines separate paragraphs, "• " or "- " lines are bullets)
or ``paragraphs`` (a list of strings); ``url`` and ``source`` are optional.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace

from bot.corpus.structure import (
    CorpusFormatError,
    FormatNote,
    ParsedArticle,
    article_date,
    assemble_passages,
    blocks_from_text,
    optional_text,
    web_url,
)
from bot.json_input import read_json


def parse_jsonl_articles(
    text: str, source: str
) -> Iterator[ParsedArticle | CorpusFormatError | FormatNote]:
    """Each line's article (and what was left out of it), or the error that line has;
    blank lines are skipped. Lines end at "\n" only: JSON strings may hold U+2028 and
    other characters that ``str.splitlines`` would break a record at."""
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            article, notes = _article(line, source, number)
        except CorpusFormatError as error:
            yield CorpusFormatError(str(error), line=number)
            continue
        url, url_notes = web_url(article.url, number)
        yield replace(article, url=url) if url_notes else article
        yield from notes + url_notes


def _article(line: str, source: str, number: int) -> tuple[ParsedArticle, list[FormatNote]]:
    try:
        record = read_json(line)
    except json.JSONDecodeError as error:
        # JSONDecodeError's msg leaves its position to be added: "... starting at".
        at = "" if error.msg.endswith(" at") else " at"
        raise CorpusFormatError(f"not valid JSON: {error.msg}{at} column {error.colno}") from error
    if not isinstance(record, dict):
        raise CorpusFormatError("expected a JSON object with 'headline', 'date' and 'body'")
    headline = _text(record, "headline") or _text(record, "title")
    if headline is None:
        raise CorpusFormatError("missing 'headline' (or 'title')")
    date, notes = article_date(record.get("date"), "'date'", "add a 'date' key", number)
    passages = assemble_passages(blocks_from_text(_body_text(record)))
    if not passages:
        raise CorpusFormatError("the article has no text in 'body' or 'paragraphs'")
    article = ParsedArticle(
        headline=headline,
        passages=passages,
        date=date,
        source=_text(record, "source") or source,
        url=_text(record, "url"),
    )
    return article, notes


def _body_text(record: dict[str, object]) -> str:
    body, paragraphs = record.get("body"), record.get("paragraphs")
    if isinstance(body, str):
        return body
    if isinstance(paragraphs, list) and all(isinstance(p, str) for p in paragraphs):
        return "\n\n".join(paragraphs)
    if body is None and paragraphs is None:
        raise CorpusFormatError("missing 'body' (a string) or 'paragraphs' (a list of strings)")
    raise CorpusFormatError("'body' must be a string and 'paragraphs' a list of strings")


def _text(record: dict[str, object], key: str) -> str | None:
    return optional_text(record.get(key), f"'{key}'")
