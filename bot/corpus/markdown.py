"""Markdown articles: YAML front matter for the metadata, the body for the passages.

Front matter keys: ``headline`` (or ``title``) and ``date`` are required; ``url``,
``source`` and ``caption`` are optional. The body's paragraphs, list items (nested
lists become sub-bullets), block quotes and headings become blocks; emphasis and
links are reduced to their text.
"""

from __future__ import annotations

import frontmatter
import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from bot.corpus.dates import parse_date
from bot.corpus.structure import (
    Block,
    BlockKind,
    CorpusFormatError,
    ParsedArticle,
    assemble_passages,
    classify_line,
    collapse_whitespace,
)

_LIST_OPEN = {"bullet_list_open", "ordered_list_open"}
_LIST_CLOSE = {"bullet_list_close", "ordered_list_close"}


def parse_markdown_article(text: str, source: str) -> ParsedArticle:
    """The one article a Markdown file holds."""
    try:
        post = frontmatter.loads(text)
    except yaml.YAMLError as error:
        line = getattr(getattr(error, "problem_mark", None), "line", None)
        raise CorpusFormatError(
            f"front matter is not valid YAML: {error}", None if line is None else line + 1
        ) from error
    meta = post.metadata
    headline = meta.get("headline") or meta.get("title")
    if not isinstance(headline, str) or not headline.strip():
        raise CorpusFormatError("front matter needs a 'headline' (or 'title')", line=1)
    if "date" not in meta:
        raise CorpusFormatError("front matter needs a 'date'", line=1)
    try:
        date = parse_date(meta["date"])
    except ValueError as error:
        raise CorpusFormatError(f"front matter 'date': {error}", line=1) from error
    passages = assemble_passages(markdown_blocks(post.content))
    if not passages:
        raise CorpusFormatError("the article has no text after its front matter")
    return ParsedArticle(
        headline=collapse_whitespace(headline),
        passages=passages,
        date=date,
        caption=_optional_text(meta, "caption"),
        source=_optional_text(meta, "source") or source,
        url=_optional_text(meta, "url"),
    )


def _optional_text(meta: dict[str, object], key: str) -> str | None:
    value = meta.get(key)
    return collapse_whitespace(str(value)) if value not in (None, "") else None


def markdown_blocks(body: str) -> list[Block]:
    """The blocks of a Markdown body, in order."""
    blocks: list[Block] = []
    list_depth = 0
    in_heading = False
    for token in MarkdownIt("commonmark").parse(body):
        if token.type in _LIST_OPEN:
            list_depth += 1
        elif token.type in _LIST_CLOSE:
            list_depth -= 1
        elif token.type in {"heading_open", "heading_close"}:
            in_heading = token.type == "heading_open"
        elif token.type == "inline":
            text = _inline_text(token)
            if in_heading:
                blocks.append(Block(BlockKind.HEADING, collapse_whitespace(text)))
            else:
                blocks.extend(_paragraph_blocks(text, list_depth))
    return blocks


def _paragraph_blocks(text: str, list_depth: int) -> list[Block]:
    """A paragraph's soft-broken lines joined, with any "— who" line split off."""
    blocks: list[Block] = []
    lines: list[str] = []
    for line in text.splitlines():
        classified = classify_line(line)
        if classified and classified.kind is BlockKind.ATTRIBUTION and lines:
            blocks.append(_joined(lines, list_depth))
            blocks.append(classified)
            lines = []
        elif line.strip():
            lines.append(line)
    if lines:
        blocks.append(_joined(lines, list_depth))
    return blocks


def _joined(lines: list[str], list_depth: int) -> Block:
    kind = BlockKind.BULLET if list_depth else BlockKind.PARAGRAPH
    return Block(kind, collapse_whitespace(" ".join(lines)), list_depth)


def _inline_text(token: Token) -> str:
    """The visible text of an inline token: emphasis dropped, links and code as their text."""
    parts: list[str] = []
    for child in token.children or []:
        if child.type in {"text", "code_inline"}:
            parts.append(child.content)
        elif child.type in {"softbreak", "hardbreak"}:
            parts.append("\n")
    return "".join(parts)
