"""Sentence boundaries in news text, shared by answer highlighting and summaries."""

from __future__ import annotations

from functools import lru_cache

import pysbd


@lru_cache(maxsize=1)
def _segmenter() -> pysbd.Segmenter:
    # pysbd's rules know "U.S.", "Gen.", "Rep." and "p.m."; clean=False keeps the text as written.
    return pysbd.Segmenter(language="en", clean=False)


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text``, stripped, in order; an empty text has none."""
    if not text.strip():
        return []
    return [s.strip() for s in _segmenter().segment(text) if s.strip()]
