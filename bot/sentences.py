"""Sentence boundaries in news text, shared by answer highlighting and summaries.

pysbd finds the boundaries; a few it finds in wire copy are not boundaries, and those are
joined back up, so that a summary never quotes half a sentence ("Monday, halting
service..." from "walked off the job at 4 a.m. Monday, halting service"):

- after ``a.m.``/``p.m.``, a weekday, a month, a time zone or a lower-case word continues
  the sentence ("at 4 a.m. Monday", "at 5 p.m. EST", "at 7 a.m. Jan. 8"); any other
  word starts a new one ("It ended at 5 p.m. The union said..."), unless all before it
  is the time ("At 4 a.m. Iran launched..."). The trade-off: a sentence that really ends
  on a time and whose next one opens with a weekday or month ("...at 5 p.m. Monday was
  quiet.") stays one sentence, and a possessive ("at 4 a.m. Monday's strike") is read as
  a new sentence's subject; datelines are far more common in news than either.
- a title (``Gov.``, ``Lt.``, ``Ft.``) before a capitalised word never ends a sentence;
- ``No.``, ``approx.``, ``est.`` and ``ca.`` before a number or lower-case word do not;
- a piece that starts with a comma, semicolon, colon or closing bracket continues the one
  before it, as does one that starts with a word in lower case after a short form in lower
  case ("every 4 hrs. on printed sheets", "2.5 in. of rain"; not "failed. de Blasio").
"""

from __future__ import annotations

import re
from functools import lru_cache

import pysbd

_AFTER_TIME = frozenset(
    """monday tuesday wednesday thursday friday saturday sunday
    mon tue tues wed thu thur thurs fri sat sun
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec
    et ct mt pt est edt cst cdt mst mdt pst pdt akst akdt hst gmt utc bst cet cest""".split()  # noqa: SIM905 - a word list reads best as words
)
"""Weekdays, months and time zones: after ``a.m.`` or ``p.m.`` they continue a sentence."""
_TITLES = frozenset(
    """Gov. Govs. Sen. Sens. Rep. Reps. Gen. Gens. Lt. Col. Maj. Capt. Sgt. Cpl. Adm. Cmdr.
    Pres. Supt. Dr. Mr. Mrs. Ms. Prof. Rev. Ft. Mt.""".split()  # noqa: SIM905
)
_BEFORE_NUMBER = frozenset(["No.", "Nos.", "approx.", "est.", "ca."])
_TIME = re.compile(r"(?:^|\d)[ap]\.m\.$", re.IGNORECASE)
_TIME_OPENER = re.compile(
    r"(?:(?:at|by|around|about|after|before|until|since|from|shortly|just|approximately)\s+)+"
    r"\d{1,2}(?::\d\d)?\s*[ap]\.m\.",
    re.IGNORECASE,
)
_SHORT_FORM = re.compile(r"[a-z]{1,4}\.")
"""A unit or short form in lower case ("hrs.", "in.", "mil.", "ft."): after one, a lower-case
word goes on with the sentence (a real sentence rarely starts in lower case: "de Blasio")."""
_FIRST_WORD = re.compile(r"[A-Za-z]+(?![\w'’])")
_OPENING_PUNCTUATION = "\"'“‘([{"
_CONTINUING_PUNCTUATION = ",;:)]}"


@lru_cache(maxsize=1)
def _segmenter() -> pysbd.Segmenter:
    # pysbd's rules know "U.S.", "Gen.", "Rep." and "Jan."; clean=False keeps the text as written.
    return pysbd.Segmenter(language="en", clean=False)


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text``, stripped, in order; an empty text has none.

    Each is a substring of ``text`` (so it can be found in it to be highlighted).
    """
    if not text.strip():
        return []
    sentences: list[str] = []
    position = 0
    for segment in _segmenter().segment(text):
        piece = segment.strip()
        if not piece:
            continue
        start = text.find(piece, position)
        gap = text[position:start] if start >= 0 else " "
        position = start + len(piece) if start >= 0 else position
        if sentences and continues(sentences[-1], piece):
            sentences[-1] += gap + piece
        else:
            sentences.append(piece)
    return sentences


def continues(sentence: str, following: str) -> bool:
    """Whether ``following``, split off by pysbd, is really the rest of ``sentence``."""
    if following[0] in _CONTINUING_PUNCTUATION:
        return True
    last = sentence.rsplit(None, 1)[-1].lstrip(_OPENING_PUNCTUATION)
    if _SHORT_FORM.fullmatch(last) and (word := _FIRST_WORD.match(following)) and word[0].islower():
        return True  # after a unit or a short form: "every 4 hrs. on paper", "2.5 in. of rain"
    if _TIME.search(last):
        if _TIME_OPENER.fullmatch(sentence):
            return True
        word = _FIRST_WORD.match(following)
        return following[0].islower() or (word is not None and word[0].lower() in _AFTER_TIME)
    if last in _TITLES:
        return following[0].isupper()
    if last in _BEFORE_NUMBER:
        return following[0].isdigit() or following[0] in "$€£" or following[0].islower()
    return False
