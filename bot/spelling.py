"""Misspelt question words: the word the coverage uses one keystroke away.

Readers type fast ("Sentanta Sports", "the union presdent", "recievers"), and a word the
coverage never uses finds nothing. A word that is not English (pyspellchecker's list of
160,000 words) and that the coverage never uses is looked for one edit away (a letter
dropped, added, changed, or two swapped): of those spellings, the one whose term the
coverage uses most is read instead. The index is the dictionary, so names are corrected
too ("Solemani" to "Soleimani"), and a word of the language never is ("layoffs" is not
"playoffs" in coverage of a playoff game): English words the coverage does not use are
questions about something else. The edits are looked up, not compared with every word
the index holds, so the cost does not grow with the coverage.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

from spellchecker import SpellChecker

from bot.analysis import STOP_WORDS, word_stems

MIN_CORRECTED_CHARS = 5
"""Shorter words are left alone: one edit turns too many short words into others."""
CORRECTED_WORDS = 5
"""How many words of one question are looked for one edit away at most (each costs a few
hundred look-ups in the index, a few milliseconds in a million passages): a question of
a hundred unknown words is not a hundred misspellings."""

_WORD = re.compile(r"[^\W\d_]+")


@cache
def _english() -> SpellChecker:
    """pyspellchecker's English word frequencies, loaded once (0.2 s) when first needed."""
    return SpellChecker(language="en", distance=1)


def is_english(word: str) -> bool:
    """Whether ``word`` (lower case) is in the English word list."""
    return word in _english()


def corrected_word(word: str, used: Callable[[str], int], name: bool = False) -> str | None:
    """The spelling one edit from ``word`` (lower case) whose term the coverage uses, or
    None: an English word before any other ("evacuted" is "evacuated", not "evacueed",
    whose stem "evacuees" shares), then the one whose term the coverage uses most
    (``used`` counts a term's passages), then the commoner English word, then the
    alphabetically first, so that a question always reads the same way. With none used,
    a stop word one edit away ("whcih", "becuase") is read, so that the misspelling does
    not weigh as a word the coverage never uses.

    A ``name`` keeps its last letter, and is never read as a stop word: names that differ
    at the end are more often other people and places than misspellings (Medvedeva is
    not Medvedev, nor Uvalda Uvalde), where a misspelling is mostly inside the word."""
    english = _english()
    edits = sorted(
        edit
        for edit in english.edit_distance_1(word)
        if edit.isascii() and edit.isalpha() and not (name and edit[-1:] != word[-1])
    )
    scored = [
        (edit in english, count, english.word_usage_frequency(edit), edit)
        for edit, stem in zip(edits, word_stems(edits), strict=True)
        if (count := used(stem))
    ]
    if not scored:
        stop_words = [edit for edit in edits if not name and edit in STOP_WORDS]
        return max(stop_words, key=english.word_usage_frequency, default=None)
    return max(scored, key=lambda found: found[:3])[3]  # the first of equals: alphabetical


def read_as(text: str, used: Callable[[str], int]) -> str:
    """``text`` with each misspelt word written as the word the coverage uses one edit
    away (see :func:`corrected_word`): a word of MIN_CORRECTED_CHARS letters or more, not
    English, whose own term the coverage never uses (``used`` counts a term's uses). At
    most CORRECTED_WORDS words are looked for; the case of a word's letters is kept as
    far as the correction allows ("SENTANTA" as "SETANTA", "Solemani" as "Soleimani").
    A name (a capitalised word past the first) keeps its last letter and is not read as a
    stop word (see :func:`corrected_word`): "Abouth" is someone the coverage never
    mentions, not "about"."""
    tried = 0
    first = _WORD.search(text)

    def corrected(found: re.Match[str]) -> str:
        nonlocal tried
        word = found[0]
        lower = word.lower()
        name = word[0].isupper() and first is not None and found.start() != first.start()
        if (
            tried >= CORRECTED_WORDS
            or len(word) < MIN_CORRECTED_CHARS
            or not word.isascii()
            or is_english(lower)
            or used(word_stems([lower])[0])
        ):
            return word
        tried += 1
        correction = corrected_word(lower, used, name=name)
        if correction is None:
            return word
        if word.isupper():
            return correction.upper()
        return correction[0].upper() + correction[1:] if word[0].isupper() else correction

    return _WORD.sub(corrected, text)
