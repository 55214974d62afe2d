"""Scraped news pages: a main article followed by "Go deeper" teasers of other articles.

The layout, as the bundled pages show it::

    Updated Jan 8, 2020              date line ("Updated" when the article was revised;
                                     also "Published Jan 8, 2020", "Wednesday, January
                                     8, 2020", "2020-01-08", a time after it: "Jan 8,
                                     2020, 6:10 p.m. ET", "Jan 8, 2020 at 9:05 PM")
    HEADLINE
    ... Photo: NAME/AGENCY           optional caption
    body: paragraphs, "  • " bullets, "    • " sub-bullets, quotes and "— who" lines
    Go deeper: HEADLINE              a link only, never an article or a passage
    Go deeper                        start of the teasers
    HEADLINE / caption / text ...    one teaser
    Go deeperArrowJan 8, 2020        end of that teaser, carrying its date

A teaser is an article in its own right (often the lede of one that another page
shows in full); the loader merges the two.
"""

from __future__ import annotations

import re

from bot.corpus.dates import parse_date
from bot.corpus.structure import (
    CorpusFormatError,
    FormatNote,
    ParsedArticle,
    assemble_passages,
    classify_line,
    collapse_whitespace,
)

_DATE = (
    r"(?P<updated>(?:Last [Uu]pdated|Updated):?\s+)?(?:(?:Published|Posted):?\s+)?"
    r"(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?\s+)?"  # "Wednesday, January 8, 2025"
    r"(?P<date>[A-Z][a-z]{2,8}\.? \d{1,2}, \d{4}|\d{4}-\d\d-\d\d)"
    # ", 6:10 p.m. ET", " at 9:05 PM ET", " / 10:42 a.m."
    r"(?:\s*[,/|·]?\s*(?:at\s+)?\d{1,2}(?::\d\d)?\s*[AaPp]\.?[Mm]\.?(?:\s+[A-Z]{2,4})?)?"
)
_DATE_LINE = re.compile(rf"^{_DATE}$")
_TEASER_END = re.compile(rf"^Go deeper\s*Arrow\s*{_DATE}$")
_TEASERS_START = re.compile(r"^Go deeper$")
_LINK = re.compile(r"^Go deeper:\s*\S")
_CAPTION = re.compile(r"(?:^|\s)Photo:\s*\S")


def parse_scraped_page(text: str, source: str) -> list[ParsedArticle | FormatNote]:
    """Every article on the page that has text: the main one and each teaser."""
    lines = [(number, line) for number, line in enumerate(text.splitlines(), 1) if line.strip()]
    if not lines:
        raise CorpusFormatError("the page is empty")
    date_match = _DATE_LINE.match(lines[0][1].strip())
    if date_match:
        lines = lines[1:]
    if not lines:
        raise CorpusFormatError("the page has a date but no headline", line=1)

    sections: list[tuple[list[tuple[int, str]], re.Match[str] | None]] = []
    current: list[tuple[int, str]] = []
    in_teasers = False
    for number, line in lines:
        stripped = line.strip()
        if not in_teasers and _TEASERS_START.match(stripped):
            sections.append((current, date_match))
            current, in_teasers = [], True
        elif in_teasers and (end := _TEASER_END.match(stripped)):
            sections.append((current, end))
            current = []
        elif not _LINK.match(stripped):
            current.append((number, line))
    sections.append((current, date_match if not in_teasers else None))

    articles = [_article(section, date, source) for section, date in sections if section]
    with_text = [article for article in articles if article.passages]
    if not with_text:
        raise CorpusFormatError("the page has a headline but no text under it", line=lines[0][0])
    if date_match is None and any(article.date is None for article in with_text):
        return [*with_text, FormatNote(_UNDATED, line=1)]
    return with_text


_UNDATED = "no date, so the article is undated (a first line such as 'Jan 8, 2020' dates it)"


def _article(
    section: list[tuple[int, str]], date: re.Match[str] | None, source: str
) -> ParsedArticle:
    """One article from its lines: headline, optional caption, body."""
    headline = collapse_whitespace(section[0][1])
    body = section[1:]
    caption = None
    if body and _CAPTION.search(body[0][1]):
        caption = collapse_whitespace(body[0][1])
        body = body[1:]
    blocks = [block for _, line in body if (block := classify_line(line))]
    return ParsedArticle(
        headline=headline,
        passages=assemble_passages(blocks),
        date=parse_date(date["date"]) if date else None,
        updated=bool(date and date["updated"]),
        caption=caption,
        source=source,
    )
