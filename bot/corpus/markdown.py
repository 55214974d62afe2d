"""Markdown articles: YAML front matter for the metadata, the body for the passages.

Front matter keys: ``headline`` (or ``title``), ``date``, ``url``, ``source`` and
``caption``, all plain text. Without a headline the body's first ``# Heading`` is the
headline; without a date the article loads undated, with a warning. The body's
paragraphs, list items (nested lists become sub-bullets), block quotes and headings
become blocks; emphasis and links are reduced to their text.
"""

from __future__ import annotations

import re
from typing import Any

import frontmatter
import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from bot.corpus.structure import (
    Block,
    BlockKind,
    CorpusFormatError,
    FormatNote,
    ParsedArticle,
    article_date,
    assemble_passages,
    classify_line,
    collapse_whitespace,
    continues_paragraph,
    optional_text,
    table_rows,
    web_url,
)

_LIST_OPEN = {"bullet_list_open", "ordered_list_open"}
_LIST_CLOSE = {"bullet_list_close", "ordered_list_close"}
_CONTAINERS = {*_LIST_OPEN, "list_item_open", "blockquote_open"}
_MARKDOWN = MarkdownIt("commonmark").enable("table")
_MAX_NESTING: int = _MARKDOWN.options["maxNesting"]
# A list or quote marker at the start of a line, as many as are stacked there.
_CONTAINER_MARKS = re.compile(r"^(?:[ \t]*(?:>|(?:[-+*]|\d{1,9}[.)])(?=[ \t]|$)))+")

_YAML = frontmatter.YAMLHandler()
MAX_FRONT_MATTER_CHARS = 64 * 1024
_MAX_YAML_DEPTH = 20


class _PlainYamlLoader(yaml.SafeLoader):
    """Safe YAML without anchors or aliases, nested no deeper than front matter needs.

    An alias lets a few hundred bytes stand for billions of values (the "billion laughs"),
    which cost gigabytes as soon as anything reads them; refusing them while the document
    is composed means no such graph is ever built. The depth limit keeps ``[[[[...``
    from exhausting the stack.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise yaml.composer.ComposerError(
                None, None, "anchors and aliases (&name, *name) are not allowed", event.start_mark
            )
        if self._depth >= _MAX_YAML_DEPTH:
            raise yaml.composer.ComposerError(
                None, None, f"nested more than {_MAX_YAML_DEPTH} deep", event.start_mark
            )
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


# A date is read as text, and then as every format's date is (bot.corpus.dates): YAML's
# own reading of "2025-13-45" fails with "month must be in 1..12", naming neither the key
# nor the value.
_PlainYamlLoader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_scalar)


def parse_markdown(text: str, source: str) -> list[ParsedArticle | FormatNote]:
    """The one article a Markdown file holds, and what was wrong in it but read anyway."""
    meta, body = front_matter(text)
    blocks, notes = _body_blocks(body)
    headline = _text(meta, "headline") or _text(meta, "title") or _first_title(blocks)
    if headline is None:
        raise CorpusFormatError(
            "needs a 'headline' (or 'title') in front matter, or a '# Heading'", line=1
        )
    date, date_notes = article_date(
        meta.get("date"),
        "front matter 'date'",
        "add 'date:' front matter",
        _key_line(text, "date") if "date" in meta else None,
    )
    url, url_notes = web_url(_text(meta, "url"), line=1)
    passages = assemble_passages(blocks)
    if not passages:
        raise CorpusFormatError("the article has no text after its front matter")
    article = ParsedArticle(
        headline=headline,
        passages=passages,
        date=date,
        caption=_text(meta, "caption"),
        source=_text(meta, "source") or source,
        url=url,
    )
    return [article, *notes, *date_notes, *url_notes]


def front_matter(text: str) -> tuple[dict[str, object], str]:
    """The front matter's keys and the body; no front matter is no keys."""
    if not _YAML.detect(text):
        return {}, text
    parts = _YAML.FM_BOUNDARY.split(text, 2)
    if len(parts) < 3:
        raise CorpusFormatError("front matter has no closing '---' line", line=1)
    _, yaml_text, body = parts
    if len(yaml_text) > MAX_FRONT_MATTER_CHARS:
        raise CorpusFormatError(
            f"front matter is longer than {MAX_FRONT_MATTER_CHARS // 1024} KB", line=1
        )
    try:
        meta = yaml.load(yaml_text, Loader=_PlainYamlLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        raise CorpusFormatError(
            f"front matter is not valid YAML: {collapse_whitespace(str(error.problem))}",
            None if mark is None else mark.line + 1,
        ) from error
    except yaml.YAMLError as error:
        raise CorpusFormatError(
            f"front matter is not valid YAML: {collapse_whitespace(str(error))}", line=1
        ) from error
    if meta is None:
        return {}, body
    if not isinstance(meta, dict):
        raise CorpusFormatError("front matter must be 'key: value' lines", line=1)
    return meta, body


def _key_line(text: str, key: str) -> int | None:
    """The line of the file on which front matter sets ``key``, if it does."""
    pattern = re.compile(rf"([\"']?){re.escape(key)}\1\s*:")
    for number, line in enumerate(text.splitlines()[1:], 2):
        if line.strip() == "---":
            break
        if pattern.match(line):
            return number
    return None


def _text(meta: dict[str, object], key: str) -> str | None:
    return optional_text(meta.get(key), f"front matter '{key}'", line=1)


def _first_title(blocks: list[Block]) -> str | None:
    return next((b.text for b in blocks if b.kind is BlockKind.HEADING and b.depth == 1), None)


def _body_blocks(body: str) -> tuple[list[Block], list[FormatNote]]:
    """The body's blocks. Past the parser's nesting limit markdown-it drops the rest of
    the text, so a body nested that deep is read again with its list and quote markers
    taken off: flat paragraphs, but every word kept."""
    tokens = _MARKDOWN.parse(body)
    if not any(t.type in _CONTAINERS and t.level + 1 >= _MAX_NESTING for t in tokens):
        return markdown_blocks(tokens), []
    note = FormatNote(
        f"lists or quotes nested deeper than the Markdown parser reads ({_MAX_NESTING} "
        "levels) were read as plain paragraphs"
    )
    return markdown_blocks(_MARKDOWN.parse(_flattened(body))), [note]


def _flattened(body: str) -> str:
    """The body with the list and quote markers taken off each line; a line that had one
    starts a paragraph of its own."""
    lines: list[str] = []
    for line in body.splitlines():
        marks = _CONTAINER_MARKS.match(line)
        if marks:
            lines += ["", line[marks.end() :].strip()]
        else:
            lines.append(line.strip())
    return "\n".join(lines)


def markdown_blocks(tokens: list[Token]) -> list[Block]:
    """The blocks of a parsed Markdown body, in order; a heading's depth is its level, and
    a table's rows are paragraphs (see :func:`table_rows`)."""
    blocks: list[Block] = []
    list_depth = 0
    heading_level = 0
    table: list[list[str]] | None = None  # the rows of the table being read
    header: list[str] | None = None
    for token in tokens:
        if token.type == "table_open":
            table, header = [], None
        elif token.type == "tr_open" and table is not None:
            table.append([])
        elif token.type == "thead_close" and table:
            header = table.pop()
        elif token.type == "table_close" and table is not None:
            blocks.extend(table_rows(table, header))
            table = None
        elif token.type == "inline" and table:
            table[-1].append(_inline_text(token))
        elif token.type in _LIST_OPEN:
            list_depth += 1
        elif token.type in _LIST_CLOSE:
            list_depth -= 1
        elif token.type == "heading_open":
            heading_level = int(token.tag[1:])
        elif token.type == "heading_close":
            heading_level = 0
        elif token.type == "inline":
            text = _inline_text(token)
            if heading_level:
                blocks.append(Block(BlockKind.HEADING, collapse_whitespace(text), heading_level))
            else:
                blocks.extend(_paragraph_blocks(text, list_depth))
    return blocks


def _paragraph_blocks(text: str, list_depth: int) -> list[Block]:
    """A paragraph's soft-broken lines joined, with any "— who" line split off (also one
    that is a paragraph of its own)."""
    blocks: list[Block] = []
    lines: list[str] = []
    for line in text.splitlines():
        classified = classify_line(line)
        if classified and classified.kind is BlockKind.ATTRIBUTION:
            # After its quote, or as a paragraph of its own ("> ..." / ">" / "> — who"):
            # either way it names the speaker of what came before.
            if lines:
                blocks.append(_joined(lines, list_depth))
            blocks.append(classified)
            lines = []
        elif line.strip() and not continues_paragraph(line):  # "— 3:15 p.m.: ..."
            if lines:
                blocks.append(_joined(lines, list_depth))
            lines = [line]
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
