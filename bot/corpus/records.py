"""The plain records every part of the bot shares: articles, their passages, and the corpus."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


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
        text = f"{self.date:%b} {self.date.day}, {self.date.year}"
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
