"""Which sentence of the answering passage to set in bold: the one that answers.

A sentence earns its place three ways: it shares the question's rarer words (each term
weighs its idf, and counts in either news spelling: "governor" in "Gov. Marsh said"), it
means what the question asks (cosine similarity, when the semantic stage runs), and it
holds the kind of thing the question asks for. "How many" wants a number, "when" a date
or a time, "who" a named person, "where" a named place, "what did X say" a quotation; a
sentence without one rarely answers, however many words it shares.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

from bot.analysis import spellings

_NUMBER = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|"
    r"hundreds?|thousands?|millions?|billions?|half|third|quarter)\b",
    re.IGNORECASE,
)
_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan|Feb|Mar|Apr|Aug|Sept?|Oct|Nov|Dec"
)
_WEEKDAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
_TIME = re.compile(
    rf"\b(?:{_MONTHS}|{_WEEKDAYS})\b|\b1[0-9]{{3}}\b|\b20[0-9]{{2}}\b|\d{{1,2}}:\d{{2}}"
    r"|\b[ap]\.m\.|\b(?:today|tonight|yesterday|tomorrow|morning|afternoon|evening|night|"
    r"noon|midnight|dawn|century|decade|year|week|month)s?\b",
    re.IGNORECASE,
)
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+(?:\s+(?:[A-Z]\.\s*)?[A-Z][a-z]+)+")
_PLACE = re.compile(r"\b(?:in|at|near|from|to|outside|inside|across)\s+(?:the\s+)?[A-Z]\w+")
_QUOTE = re.compile(r"[\"“”]")
_ATTRIBUTION = re.compile(r"^\s*[—–―]")
"""A line that names who spoke the quotation above it ("— Trump on Twitter"): it shares
the speaker's name with "What did Trump say?", but says who, not what was said."""
_KINDS: list[tuple[re.Pattern[str], re.Pattern[str]]] = [
    (
        re.compile(
            r"^\s*(?:how\s+(?:many|much|long|old|big|far|large|high|often|fast)|"
            r"what\s+(?:percentage|percent|share|number|amount|proportion))\b",
            re.IGNORECASE,
        ),
        _NUMBER,
    ),
    (
        re.compile(
            r"^\s*(?:when|what\s+(?:time|year|day|date|month|century|decade|period))\b"
            r"|\bwhat\s+(?:time|year|day|date)\b",
            re.IGNORECASE,
        ),
        _TIME,
    ),
    (re.compile(r"^\s*(?:who|whom|whose)\b", re.IGNORECASE), _NAME),
    (re.compile(r"^\s*where\b", re.IGNORECASE), _PLACE),
    (re.compile(r"\b(?:say|said|says|tell|told|tweet|tweeted|call|called)\b", re.I), _QUOTE),
]

KIND_WEIGHT = 0.3
"""What holding the asked-for kind of thing is worth, against a share of the question's
words (0 to 1) and a cosine similarity (about 0 to 1)."""


def answer_kind(question: str) -> re.Pattern[str] | None:
    """The pattern of what the question asks for, if its wording says."""
    for asks, holds in _KINDS:
        if asks.search(question):
            return holds
    return None


CHECK_MARGIN = 0.5
"""How close to the best merit a sentence must come for the answer check to choose among
them. Measured on the asked-about paragraphs of SQuAD part A's 4,247 questions: the
sentence holding an answer was chosen for 0.849 of them by merit alone, 0.887 by the
check reading every sentence, and 0.887 by the check reading those within 0.5 of the best
(1.4 sentences a question; 0.75 at 0.3 for 0.881, 0.49 at 0.2 for 0.875). With each
sentence read under its headline: 0.903 for every sentence, 0.900 within 0.5, 0.904
within 0.8 for 2.6 sentences a question."""

SentenceCheck = Callable[[Sequence[str]], Sequence[float]]
"""The answer check's logits that each of some sentences answers the question."""


def best_sentence(
    question: str,
    sentences: Sequence[str],
    term_weights: Mapping[str, float],
    analyze: Callable[[str], list[str]],
    similarities: Sequence[float] | None = None,
    check: SentenceCheck | None = None,
) -> str:
    """The sentence that best answers the question (the first of equals); a speaker's
    attribution line only for a question that asks who. With ``check``
    (the answer check's model), the sentences whose merit comes within CHECK_MARGIN of the
    best are read with the question, and the one it rates highest is chosen: it reads
    what the words mean together ("who founded" against "was established by"), where
    merit only counts them."""
    total = sum(term_weights.values()) or 1.0
    kind = answer_kind(question)

    def merit(number: int) -> float:
        sentence = sentences[number]
        words = set(analyze(sentence))
        held = (w for term, w in term_weights.items() if not words.isdisjoint(spellings(term)))
        lexical = sum(held) / total
        semantic = float(similarities[number]) if similarities is not None else 0.0
        fits = KIND_WEIGHT if kind is not None and kind.search(sentence) else 0.0
        return lexical + semantic + fits

    merits = [merit(number) for number in range(len(sentences))]
    eligible = [
        number
        for number, sentence in enumerate(sentences)
        if kind is _NAME or not _ATTRIBUTION.match(sentence)
    ] or list(range(len(sentences)))
    best = max(eligible, key=merits.__getitem__)
    close = [n for n in eligible if merits[n] >= merits[best] - CHECK_MARGIN]
    if check is None or len(close) < 2:
        return sentences[best]
    logits = check([sentences[n] for n in close])
    return sentences[close[max(range(len(close)), key=lambda n: logits[n])]]
