"""Example questions and topics drawn from the loaded coverage, for messages that suggest one.

A hint about Iran's missiles is no help to readers of a city council's coverage, so the
examples come from the headlines of whatever corpus is loaded, newest first.
"""

from __future__ import annotations

import re

from bot.analysis import STOP_WORDS
from bot.corpus import CorpusView

_HEADLINES_LOOKED_AT = 20
_TOPICS = 3
_NAME = re.compile(r"[A-Z][\w-]{2,}")  # a capitalised word: a name, a place, an organisation
_POSSESSIVE = re.compile(r"['’]s$")


def newest_headlines(corpus: CorpusView, count: int = _HEADLINES_LOOKED_AT) -> list[str]:
    """The headlines of the newest articles (undated ones last)."""
    return [corpus.articles[n].headline for n in corpus.newest_articles(count)]


def example_question(corpus: CorpusView) -> str | None:
    """A question the coverage answers: about its newest article's headline."""
    headlines = newest_headlines(corpus, 1)
    return f"What does the coverage say about “{headlines[0]}”?" if headlines else None


def example_topics(corpus: CorpusView) -> str | None:
    """A few names from the newest headlines (``Iran, Trump, Soleimani``): topics the
    coverage is about. Falls back to any longer word of the headlines."""
    names: dict[str, str] = {}
    others: dict[str, str] = {}
    for headline in newest_headlines(corpus):
        words = [_POSSESSIVE.sub("", w.strip("\"'“”‘’.,:;!?()")) for w in headline.split()]
        for position, word in enumerate(words):
            if word.casefold() in STOP_WORDS:
                continue
            if position > 0 and _NAME.fullmatch(word):  # the first word is capitalised anyway
                names.setdefault(word.casefold(), word)
            elif len(word) > 3 and word.isalpha():
                others.setdefault(word.casefold(), word.casefold())
    chosen = list(names.values()) + [w for k, w in others.items() if k not in names]
    return ", ".join(chosen[:_TOPICS]) or None
