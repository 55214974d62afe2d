"""An index folder's passages embedded ahead of the questions.

The semantic stage embeds a candidate's sentences the first time it is a candidate and
keeps them in the index folder's vector file; until then a question pays for it (about
130 ms on news paragraphs, against 7 ms once they are kept; see README, "Answer
latency"). Embedding every passage once, before the questions come, makes every
question cost what a cached one does. It is resumable: passages already in the file
are not embedded again, so an interrupted run, or a run after new articles came in,
does only what is left.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.corpus import CorpusView, PassageRef
from bot.index import IndexLoadError
from bot.rerank import SemanticReranker
from bot.vector_store import VectorFile

CHUNK = 256
"""Passages looked up and written at a time: one transaction of about half a MiB."""


@dataclass
class EmbeddingTally:
    """How far embedding an index has gone, kept as it goes (an interrupted run says
    what it kept)."""

    total: int
    embedded: int = 0
    already_kept: int = 0
    unreadable: int = 0
    first_unreadable: str | None = None

    @property
    def done(self) -> int:
        return self.embedded + self.already_kept + self.unreadable


def embed_passages(
    corpus: CorpusView,
    reranker: SemanticReranker,
    stored: VectorFile,
    tally: EmbeddingTally,
    progress: Callable[[EmbeddingTally], None] = lambda tally: None,
) -> EmbeddingTally:
    """Embed every passage of ``corpus`` that ``stored`` does not hold into it, counting
    in ``tally``. A passage whose article cannot be read is counted, not embedded (the
    index says what is damaged when a question reaches it); a file that cannot be
    written is VectorFileError (``stored`` should be strict)."""
    for start in range(0, tally.total, CHUNK):
        refs = _readable(corpus, range(start, min(start + CHUNK, tally.total)), tally)
        embedded = reranker.fill(refs, stored)
        tally.embedded += embedded
        tally.already_kept += len(refs) - embedded
        progress(tally)
    return tally


def _readable(corpus: CorpusView, numbers: range, tally: EmbeddingTally) -> list[PassageRef]:
    refs = []
    for number in numbers:
        try:
            refs.append(corpus.passages[number])
        except IndexLoadError as error:
            tally.unreadable += 1
            tally.first_unreadable = tally.first_unreadable or str(error)
    return refs
