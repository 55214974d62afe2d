"""The plain records every part of the bot shares: articles, their passages, and the corpus."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

import numpy as np


class PassageKind(StrEnum):
    """What a passage was on the page, which decides how it is shown alone."""

    PARAGRAPH = "paragraph"
    BULLET = "bullet"
    QUOTE = "quote"


@dataclass(frozen=True)
class Passage:
    """One paragraph, bullet or quote of an article: the unit the retriever ranks.

    ``text`` is the passage as written, without its bullet marker or label. A passage
    whose only speaker is "he" or "she" carries the sentence that names them in
    ``lead_in``, and a quote carries its speaker in ``attribution``, so that the
    passage makes sense shown alone.
    """

    text: str
    kind: PassageKind = PassageKind.PARAGRAPH
    label: str | None = None
    lead_in: str | None = None
    attribution: str | None = None

    @property
    def body(self) -> str:
        """The passage itself with its label and speaker, as it read on the page."""
        text = f"{self.label}: {self.text}" if self.label else self.text
        return f"{text} — {self.attribution}" if self.attribution else text

    @property
    def standalone(self) -> str:
        """The passage with the lead-in it needs to be understood out of its article."""
        return f"{self.lead_in}\n{self.body}" if self.lead_in else self.body


def written_date(date: dt.date) -> str:
    """A date as news pages write it: ``Jan 8, 2020``."""
    return f"{date:%b} {date.day}, {date.year}"


def headline_then(headline: str, separator: str = ":") -> str:
    """The headline with ``separator`` and a space after it, to run into what follows
    ("Deal reached: Drivers..."); a headline that ends in its own stop keeps that alone
    ("Here's what to do. If you...", not "Here's what to do.: If you...")."""
    if headline.endswith((".", "!", "?", "…", ":")):
        return f"{headline} "
    return f"{headline}{separator} "


@dataclass(frozen=True)
class Article:
    """One article recovered from the coverage, with its passages in reading order."""

    id: str
    headline: str
    passages: tuple[Passage, ...]
    date: dt.date | None = None
    updated: bool = False
    caption: str | None = None
    source: str = ""
    url: str | None = None

    @property
    def date_text(self) -> str:
        """The date as a reader sees it on the page: ``Updated Jan 8, 2020``."""
        if self.date is None:
            return "undated"
        text = written_date(self.date)
        return f"Updated {text}" if self.updated else text


@dataclass(frozen=True)
class PassageRef:
    """A passage together with the article it belongs to and its place in the corpus."""

    number: int
    article: Article
    position: int

    @property
    def passage(self) -> Passage:
        return self.article.passages[self.position]

    @property
    def id(self) -> str:
        """A stable name for the passage: the article id and its position in the article."""
        return f"{self.article.id}#{self.position}"


@dataclass(frozen=True)
class Corpus:
    """All the articles the bot knows, and their passages numbered for the index."""

    articles: tuple[Article, ...]
    passages: tuple[PassageRef, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        places = ((a, position) for a in self.articles for position in range(len(a.passages)))
        refs = tuple(PassageRef(n, a, position) for n, (a, position) in enumerate(places))
        object.__setattr__(self, "passages", refs)

    @property
    def date_range(self) -> tuple[dt.date, dt.date] | None:
        """The first and last dates of the dated articles, or None when none is dated."""
        dates = sorted(a.date for a in self.articles if a.date is not None)
        return (dates[0], dates[-1]) if dates else None

    def newest_articles(self, count: int) -> list[int]:
        """The numbers of the ``count`` newest articles, in corpus order."""
        return newest_first([date_ordinal(a.date) for a in self.articles], count)

    def headlines(self) -> list[str]:
        """Every article's headline, in corpus order."""
        return [a.headline for a in self.articles]

    def find_articles(self, words: str, limit: int | None = None) -> list[Article]:
        """Articles whose id is ``words``, else whose headline has every word, in any order.

        A word matches the start of a headline word, so "trump respond" finds "Trump responds".
        """
        pairs = [(a.id, a.headline) for a in self.articles]
        return [self.articles[n] for n in matching_articles(pairs, words)[:limit]]


def date_ordinal(date: dt.date | None) -> int:
    """A date as a day number, 0 for an undated article (older than any date)."""
    return date.toordinal() if date else 0


def newest_first(ordinals: Sequence[int] | np.ndarray, count: int) -> list[int]:
    """Positions of the ``count`` latest day numbers (the first of equals wins), in
    ascending order: the newest articles, kept in corpus order."""
    days = np.asarray(ordinals, dtype=np.int64)
    newest = np.lexsort((np.arange(len(days)), -days))[:count]
    return np.sort(newest).tolist()


def matching_articles(ids_and_headlines: Sequence[Sequence[str]], words: str) -> list[int]:
    """Positions of the article whose id is ``words``, else of those whose headline has
    every word at the start of one of its words."""
    exact = [
        n for n, (article_id, _) in enumerate(ids_and_headlines) if article_id == words.strip()
    ]
    wanted = re.findall(r"\w+", words.casefold())
    if exact or not wanted:
        return exact
    return [
        n
        for n, (_, headline) in enumerate(ids_and_headlines)
        if _starts_every_word(wanted, headline)
    ]


def _starts_every_word(wanted: list[str], headline: str) -> bool:
    words = re.findall(r"\w+", headline.casefold())
    return all(any(word.startswith(part) for word in words) for part in wanted)


class CorpusView(Protocol):
    """What answering and summarising read of a corpus: a :class:`Corpus` in memory, or
    a corpus read from an index folder (``bot.store.StoredCorpus``)."""

    @property
    def articles(self) -> Sequence[Article]: ...

    @property
    def passages(self) -> Sequence[PassageRef]: ...

    @property
    def date_range(self) -> tuple[dt.date, dt.date] | None: ...

    def newest_articles(self, count: int) -> list[int]: ...

    def find_articles(self, words: str, limit: int | None = None) -> list[Article]: ...

    def headlines(self) -> list[str]: ...
