"""Bringing an index folder up to date after articles were written into its corpus.

The one place ``add``, ``follow`` and the bot's feed polling go through, so that the
way an index learns of new articles can change here alone.
"""

from __future__ import annotations

from pathlib import Path

from bot.corpus import LoadWarning
from bot.knowledge import build_index


def refresh_index(index: Path, corpus: Path) -> tuple[LoadWarning, ...]:
    """Make the index folder answer from ``corpus`` as it is now, as ``coverage-bot index
    CORPUS --out INDEX`` does; the load warnings come back. Fails as that build does
    (:data:`bot.knowledge.KNOWLEDGE_ERRORS`)."""
    return build_index(corpus, index)
