"""Article pages (HTML) into articles: trafilatura finds the article in the page.

trafilatura (Barbaresi, 2021) strips navigation, footers and bylines, and reads the
headline, date, author, site name and canonical url from the page's metadata (og:,
schema.org, <title>). Its body keeps the page's structure: paragraphs, sub-headings,
lists and quotes become the same blocks every other format gives, so a page's passages
are its paragraphs. A page that is not one article (a list of headlines, a paywall
stub, a page with hardly any text) is refused with the reason, never indexed as noise.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from bot.corpus.records import Passage
from bot.corpus.structure import (
    Block,
    BlockKind,
    CorpusFormatError,
    FormatNote,
    ParsedArticle,
    assemble_passages,
    classify_line,
    collapse_whitespace,
    is_web_url,
)

if TYPE_CHECKING:
    from lxml.etree import _Element

MIN_WORDS = 80
"""Fewer words of body text than this is a teaser, a stub or an error page, not an article."""
_ARTICLE_TYPES = ("article", "blog", "posting", "news", "report")
_MIN_LISTING_HEADINGS = 3
_LISTING_WORDS_PER_HEADING = 40
_MIN_LISTING_LINKS = 5
"""Linked headlines that, making up half of a page's text or more, make it a listing."""
_PAYWALL_MARKUP = re.compile(r'"isAccessibleForFree"\s*:\s*"?false', re.IGNORECASE)
_PAYWALL_TEXT = re.compile(
    r"\b(?:subscribe|subscription|subscriber|sign in|log in|register)\b[^.?!]{0,40}"
    r"\b(?:continue|keep reading|read (?:more|the rest|on)|access|unlock)",
    re.IGNORECASE,
)


class NotAnArticle(ValueError):
    """A page that cannot be added as an article; the message says why in one line."""


@dataclass(frozen=True)
class WebArticle:
    """An article found in a page: its metadata, body blocks and the passages they make."""

    headline: str
    blocks: tuple[Block, ...]
    passages: tuple[Passage, ...]
    date: dt.date | None = None
    author: str | None = None
    source: str | None = None
    url: str | None = None
    fetched_at: str | None = None
    """The address the page came from, when it was fetched: ``url`` is the address it
    names for itself (its canonical url), which a site may give many pages."""

    @property
    def iso_date(self) -> str:
        """The date as ``YYYY-MM-DD``, or "" when the article is undated."""
        return self.date.isoformat() if self.date else ""


def extract_article(
    page: str | bytes,
    url: str | None = None,
    *,
    headline: str | None = None,
    date: dt.date | None = None,
) -> WebArticle:
    """The article in ``page`` (fetched from ``url``, when it was), or NotAnArticle.
    ``headline`` and ``date`` (a feed item's) stand in when the page has none."""
    import trafilatura  # a quarter of a second to import: only when a page is read

    document = trafilatura.bare_extraction(
        page,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,  # a page laid out in a table would read as one run-on row
        deduplicate=False,
        date_extraction_params=_date_rules(),
    )
    if document is None or document.body is None:
        raise NotAnArticle("no article text could be found in the page")
    markup = page if isinstance(page, str) else page.decode("utf-8", "replace")
    title, site = _headline_and_site(
        collapse_whitespace(document.title or ""),
        collapse_whitespace(document.sitename or ""),
        markup,
    )
    title = title or headline
    if not title:
        raise NotAnArticle("the page has no headline")
    if _ERROR_PAGE.fullmatch(title):
        raise NotAnArticle(f"it is an error page ({title!r}), not an article")
    kind = (document.pagetype or "").lower()
    if kind and not any(word in kind for word in _ARTICLE_TYPES):
        raise NotAnArticle(f"the page says it is a {kind!r}, not an article (og:type)")
    blocks = _blocks(document.body, title)
    text_blocks = [b for b in blocks if b.kind is not BlockKind.HEADING]
    words = sum(len(b.text.split()) for b in text_blocks)
    headings = len(blocks) - len(text_blocks)
    if headings >= _MIN_LISTING_HEADINGS and words < headings * _LISTING_WORDS_PER_HEADING:
        raise NotAnArticle(
            f"it looks like a list of articles ({headings} headlines with a line or two "
            "each), not one article"
        )
    linked = _linked_headlines(page, " ".join(b.text for b in text_blocks))
    if len(linked) >= _MIN_LISTING_LINKS and sum(len(t.split()) for t in linked) * 2 >= words:
        raise NotAnArticle(
            f"it looks like a list of articles ({len(linked)} linked headlines make up most "
            "of its text), not one article"
        )
    if words < MIN_WORDS:
        text = " ".join(b.text for b in text_blocks)
        if _PAYWALL_MARKUP.search(markup) or _PAYWALL_TEXT.search(text):
            raise NotAnArticle(
                f"it looks like a paywall: {words} words of text, then a subscription prompt"
            )
        raise NotAnArticle(f"too little text for an article ({words} words; at least {MIN_WORDS})")
    page_url = document.url if _canonical(document.url, url) else url
    return WebArticle(
        headline=title,
        blocks=tuple(blocks),
        passages=assemble_passages(blocks),
        date=_date(document.date) or date,
        author=collapse_whitespace(document.author or "") or None,
        source=site or None,
        url=page_url if page_url and is_web_url(page_url) else None,
        fetched_at=url if url and is_web_url(url) else None,
    )


def parse_html(text: str, source: str) -> list[ParsedArticle | FormatNote]:
    """The article a saved page holds, for the corpus loader: a page that is not an
    article is skipped with the reason."""
    try:
        article = extract_article(text)
    except NotAnArticle as error:
        raise CorpusFormatError(f"not an article: {error}") from error
    parsed = ParsedArticle(
        headline=article.headline,
        passages=article.passages,
        date=article.date,
        source=article.source or source,
        url=article.url,
    )
    if article.date is None:
        return [parsed, FormatNote("no date found in the page, so the article is undated")]
    return [parsed]


def _linked_headlines(page: str | bytes, text: str) -> list[str]:
    """The page's link texts of three words or more that its body text holds: a home or
    "latest" page is a list of such links (``<li><a>Headline</a> <time>``), which the
    headings check does not see, where an article links a few words here and there."""
    import lxml.html  # trafilatura's own parser, installed with it

    try:
        tree = lxml.html.fromstring(page)
    except (ValueError, lxml.etree.ParserError):
        return []
    anchors = {collapse_whitespace(a.text_content()) for a in tree.iter("a")}
    return [a for a in anchors if len(a.split()) >= 3 and a in text]


_ERROR_PHRASE = (
    r"(?:error\s*)?404|(?:(?:the\s+)?(?:page|article|story|file)\s+)?(?:not\s+found"
    r"|(?:does\s*n[o’']t|no\s+longer)\s+exists?|(?:could|can)(?:\s*not|n?[’']t)\s+be\s+found)"
    r"|(?:(?:sorry|oops)[,!]?\s+)?(?:we\s+)?(?:can(?:not|[’']t)|could\s*n[o’']t)\s+find\s+"
    r"th(?:at|is|e)\s+page|(?:oops[,!]?\s+)?th(?:at|is)\s+page\s+(?:can(?:not|[’']t)\s+be\s+found"
    r"|does\s*n[o’']t\s+exist)"
)
_ERROR_PAGE = re.compile(
    rf"\s*(?:{_ERROR_PHRASE})(?:[\s:\-–—|·!.]+(?:{_ERROR_PHRASE}))*[\s!.]*(?:\s[|\-–—·]\s.*)?",
    re.IGNORECASE,
)
"""The headline of a site's "page not found" page, which many sites send with 200 OK."""
_TITLE_ELEMENT = re.compile(r"<title\b[^<>]*>([^<]*)</title>", re.IGNORECASE)
"""A page's ``<title>``: neither its tag nor its text holds a ``<``, which keeps the search
linear (``.*?``, or ``[^>]*`` in the tag, scanned on from every unclosed ``<title``)."""
# A page that names its site itself: trafilatura's site name is then that, not a guess.
_DECLARED_SITE = re.compile(
    r"""(?:property|name)\s*=\s*["']?(?:og:site_name|application-name)\b""", re.IGNORECASE
)
_TITLE_SEPARATOR = re.compile(r"\s+[|\-–—·:]{1,2}\s+")


def _headline_and_site(title: str, site: str, markup: str) -> tuple[str, str]:
    """The headline and site name, put right where trafilatura mixed them up. Of a
    "Headline | Site" ``<title>`` it takes the side that holds a "." for the site's domain,
    so a headline with "$4.2" or "U.S." became the site name (and, without an ``<h1>``,
    the site the headline), unless the page names its site itself (og:site_name: "U.S.
    News & World Report" is a site); with an ``<h1>`` it may give the headline as the
    site name."""
    found = _TITLE_ELEMENT.search(markup)
    sides = _TITLE_SEPARATOR.split(collapse_whitespace(html.unescape(found[1]))) if found else []
    if len(sides) != 2:
        return title, "" if _same(site, title) else site
    if _same(site, title):
        others = [side for side in sides if not _same(side, title)]
        return title, others[0] if len(others) == 1 else ""
    if (
        "." in site
        and any(_same(site, side) for side in sides)
        and not _DECLARED_SITE.search(markup)
    ):
        other = next((side for side in sides if not _same(side, site)), "")
        if other and len(site.split()) > len(other.split()):
            return (site if _same(title, other) else title), other
    return title, site


def _canonical(canonical: str | None, fetched: str | None) -> bool:
    """Whether the page's canonical url is its own: a site's home page is not, but for
    the home page itself (some sites name it on every page, and each article would be
    taken for an update of the last)."""
    if not canonical or not is_web_url(canonical):
        return False
    home = urlsplit(canonical).path in ("", "/")
    return not home or (fetched is not None and urlsplit(fetched).path in ("", "/"))


def _same(one: str, other: str) -> bool:
    """Whether two names are the same but for case and spacing."""
    return " ".join(one.casefold().split()) == " ".join(other.casefold().split())


def _date_rules() -> dict[str, object]:
    """How htmldate may date a page: from what the page says its date is (metadata,
    JSON-LD, ``<time>``, the url), not from a guess over its text, which dated a page whose
    only year was its "Copyright 2026" footer January 1; and up to tomorrow, since a page
    written where it is already tomorrow was put back to the first of the month."""
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    return {"original_date": True, "extensive_search": False, "max_date": tomorrow.isoformat()}


def _date(value: str | None) -> dt.date | None:
    """trafilatura's ``YYYY-MM-DD``, as a date."""
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _blocks(body: _Element, headline: str) -> list[Block]:
    """trafilatura's body as blocks: ``p`` paragraphs, ``head`` headings (the headline
    itself left out), ``list``/``item`` bullets (nested ones deeper), ``quote`` paragraphs."""
    blocks: list[Block] = []
    _walk(body, blocks, list_depth=0)
    folded = headline.casefold()
    return [
        b
        for b in blocks
        if b.text and not (b.kind is BlockKind.HEADING and b.text.casefold() == folded)
    ]


def _walk(elements: Iterable[_Element], blocks: list[Block], list_depth: int) -> None:
    for child in elements:
        tag = child.tag
        if tag == "head":
            level = int((child.get("rend") or "h2").lstrip("h") or 2)
            blocks.append(Block(BlockKind.HEADING, _text(child), level))
        elif tag == "p" and list_depth:
            blocks.append(Block(BlockKind.BULLET, _text(child), list_depth))
        elif tag == "p":
            blocks.append(classify_line(_text(child)) or Block(BlockKind.PARAGRAPH, ""))
        elif tag == "list":
            _walk(child, blocks, list_depth + 1)
        elif tag == "item":
            _item(child, blocks, list_depth)
        elif tag == "quote" and len(child):
            _walk(child, blocks, list_depth)
        elif tag == "quote":
            blocks.append(Block(BlockKind.PARAGRAPH, _text(child)))
        elif tag not in {"graphic", "table", "ref", "lb"}:
            _walk(child, blocks, list_depth)


def _item(item: _Element, blocks: list[Block], depth: int) -> None:
    """A list item: its own text a bullet, then what it holds (a list one level deeper)."""
    own = [item.text or ""]
    held: list[_Element] = []
    for child in item:
        if child.tag in {"list", "head", "p"}:
            held.append(child)
        else:
            own.append("".join(child.itertext()))
        own.append(child.tail or "")
    text = collapse_whitespace("".join(own))
    if text:
        blocks.append(Block(BlockKind.BULLET, text, depth))
    _walk(held, blocks, depth)


def _text(element: _Element) -> str:
    return collapse_whitespace("".join(element.itertext()))
