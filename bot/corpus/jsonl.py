"""JSON Lines coverage: one article per line.

Keys: ``headline`` (or ``title``) and ``date`` are required, and the text as either
``body`` (one string; blank lines separate paragraphs, "• " or "- " lines are bullets)
or ``paragraphs`` (a list of strings); ``url`` and ``source`` are optional.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace

from bot.corpus.dates import parse_date
from bot.corpus.structure import (
    CorpusFormatError,
    FormatNote,
    ParsedArticle,
    assemble_passages,
    blocks_from_text,
    collapse_whitespace,
    web_url,
)


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
            article = _article(line, source)
        except CorpusFormatError as error:
            yield CorpusFormatError(str(error), line=number)
            continue
        url, notes = web_url(article.url, number)
        yield replace(article, url=url) if notes else article
        yield from notes


def _article(line: str, source: str) -> ParsedArticle:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        raise CorpusFormatError(f"not valid JSON: {error.msg}") from error
    if not isinstance(record, dict):
        raise CorpusFormatError("expected a JSON object with 'headline', 'date' and 'body'")
    headline = record.get("headline") or record.get("title")
    if not isinstance(headline, str) or not headline.strip():
        raise CorpusFormatError("missing 'headline' (or 'title')")
    if "date" not in record:
        raise CorpusFormatError("missing 'date'")
    try:
        date = parse_date(record["date"])
    except ValueError as error:
        raise CorpusFormatError(f"'date': {error}") from error
    passages = assemble_passages(blocks_from_text(_body_text(record)))
    if not passages:
        raise CorpusFormatError("the article has no text in 'body' or 'paragraphs'")
    return ParsedArticle(
        headline=collapse_whitespace(headline),
        passages=passages,
        date=date,
        source=_optional_text(record, "source") or source,
        url=_optional_text(record, "url"),
    )


def _body_text(record: dict[str, object]) -> str:
    body, paragraphs = record.get("body"), record.get("paragraphs")
    if isinstance(body, str):
        return body
    if isinstance(paragraphs, list) and all(isinstance(p, str) for p in paragraphs):
        return "\n\n".join(paragraphs)
    if body is None and paragraphs is None:
        raise CorpusFormatError("missing 'body' (a string) or 'paragraphs' (a list of strings)")
    raise CorpusFormatError("'body' must be a string and 'paragraphs' a list of strings")


def _optional_text(record: dict[str, object], key: str) -> str | None:
    value = record.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise CorpusFormatError(f"'{key}' must be a string")
    return collapse_whitespace(value)
