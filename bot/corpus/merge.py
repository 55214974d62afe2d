"""One record per article: the same article seen in several pages is merged, no text twice.

A page shows an article in full and another page shows its teaser (headline and
lede); both carry the same headline. They merge when their headline matches after
normalising case, quotes and spacing, and their dates, urls and named publications do
not contradict each other. The merged article keeps the fullest text and fills its missing
details (date, caption, url) from the other sightings.

An article's id is a readable slug of its headline and a short hash of its url, or,
without one, of its source file, headline and date: it does not depend on which other
articles were loaded, or in what order, so it stays the same as coverage is added.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Set

from bot.corpus.records import Article, Passage
from bot.corpus.structure import ParsedArticle, collapse_whitespace

_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})
_MAX_SLUG_LENGTH = 41  # with "-" and six hex digits, an id of at most 48 characters


def merge_articles(parsed: Iterable[ParsedArticle]) -> tuple[Article, ...]:
    """Articles in order of first sighting, merged, with unique ids and no passage twice;
    an article left with no passage of its own is not listed."""
    return merge_with_sources(parsed)[0]


def merge_with_sources(
    parsed: Iterable[ParsedArticle], taken: Set[str] = frozenset()
) -> tuple[tuple[Article, ...], dict[str, list[str]]]:
    """:func:`merge_articles`, with the ids of the articles each corpus file (its
    ``file``) contributed to or repeats text of (so that an index update that changes or
    removes the article first seen with that text reads the file again, and its text comes
    back where a rebuild would show it); ids in ``taken`` (articles kept from before) are
    not given again."""
    groups: list[list[ParsedArticle]] = []
    by_headline: dict[str, list[list[ParsedArticle]]] = {}  # only same headlines are compared
    for article in parsed:
        candidates = by_headline.setdefault(headline_key(article.headline), [])
        group = next((g for g in candidates if _same_article(g[0], article)), None)
        if group is None:
            group = [article]
            candidates.append(group)
            groups.append(group)
        else:
            group.append(article)

    claimed: dict[str, str] = {}  # a passage's text -> the article first seen with it
    used_ids: set[str] = set(taken)
    articles = []
    sources: dict[str, list[str]] = {}
    for group in groups:
        merged = _merge_group(group)
        passages, repeated = [], []
        own: set[str] = set()
        for passage in merged.passages:
            key = _text_key(passage)
            if key in claimed:
                repeated.append(claimed[key])
            elif key not in own:
                own.add(key)
                passages.append(passage)
        ids = list(dict.fromkeys(repeated))
        if passages:  # else all its text is another article's: nothing of its own to list
            article_id = _unique_id(merged, tuple(passages), used_ids)
            claimed.update(dict.fromkeys(own, article_id))
            fields = {k: v for k, v in vars(merged).items() if k != "file"}  # not the reader's
            articles.append(Article(id=article_id, **{**fields, "passages": tuple(passages)}))
            ids.insert(0, article_id)
        for file in dict.fromkeys(a.file for a in group):
            listed = sources.setdefault(file, [])
            listed.extend(i for i in ids if i not in listed)
    return tuple(articles), sources


def headline_key(headline: str) -> str:
    """The headline as compared for sameness: case, quotes, spacing and end punctuation folded."""
    text = _plain_quotes(unicodedata.normalize("NFKC", headline)).casefold()
    return collapse_whitespace(text).rstrip(".!?")


def _same_article(a: ParsedArticle, b: ParsedArticle) -> bool:
    """Same headline, and no date, url or publication that says otherwise: two papers'
    "Letters to the editor" of one day are two articles."""
    return (
        headline_key(a.headline) == headline_key(b.headline)
        and (a.date is None or b.date is None or a.date == b.date)
        and (a.url is None or b.url is None or a.url == b.url)
        and _same_or_unnamed(_named_source(a), _named_source(b))
    )


def _same_or_unnamed(a: str | None, b: str | None) -> bool:
    return a is None or b is None or a == b


def _named_source(article: ParsedArticle) -> str | None:
    """The publication the file names, folded; None where the source is only the file's
    name (as for scraped pages, whose teasers name no publication)."""
    if not article.source or article.source == article.file:
        return None
    return collapse_whitespace(article.source).casefold()


def _merge_group(group: list[ParsedArticle]) -> ParsedArticle:
    """The fullest sighting, with what it lacks taken from the others. Only its text is
    kept: another sighting's differing paragraph is most often an earlier version's, whose
    facts the fuller one may have corrected."""
    fullest = max(group, key=lambda a: sum(len(p.text) for p in a.passages))
    by_preference = [fullest, *(a for a in group if a is not fullest)]
    return ParsedArticle(
        headline=fullest.headline,
        passages=fullest.passages,
        date=next((a.date for a in by_preference if a.date), None),
        updated=any(a.updated for a in group),
        caption=next((a.caption for a in by_preference if a.caption), None),
        source=fullest.source,
        url=next((a.url for a in by_preference if a.url), None),
        file=fullest.file,
    )


def _text_key(passage: Passage) -> str:
    """A passage's text as compared for repeats: case, quotes and spacing folded."""
    return collapse_whitespace(_plain_quotes(passage.text).casefold())


def _plain_quotes(text: str) -> str:
    """Curly quotes made straight; ASCII text (most of a large corpus) is returned as is,
    which saves a translation per passage."""
    return text if text.isascii() else text.translate(_QUOTES)


def _unique_id(article: ParsedArticle, passages: tuple[Passage, ...], used: set[str]) -> str:
    """A short readable slug of the headline and a hash of what names the article (its
    url, else its file, headline and date); should two articles still share one, the
    hash of the text tells them apart."""
    ascii_text = unicodedata.normalize("NFKD", _plain_quotes(article.headline))
    ascii_text = ascii_text.encode("ascii", "ignore").decode()
    words = ascii_text.lower().replace("'", "")
    slug = re.sub(r"[^a-z0-9]+", "-", words).strip("-") or "article"
    if len(slug) > _MAX_SLUG_LENGTH:
        slug = slug[: _MAX_SLUG_LENGTH + 1].rsplit("-", 1)[0]
    date = article.date.isoformat() if article.date else ""
    where = article.file or article.source  # a corpus file; a name given by other callers
    name = article.url or f"{where}\0{headline_key(article.headline)}\0{date}"
    candidate = f"{slug}-{_short_hash(name)}"
    if candidate in used:
        candidate = f"{candidate}-{_short_hash(chr(0).join(p.text for p in passages))}"
    n = 2
    while candidate in used:  # the same text under the same name: numbered, as a last resort
        candidate, n = f"{candidate.rsplit('~', 1)[0]}~{n}", n + 1
    used.add(candidate)
    return candidate


def _short_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:6]
