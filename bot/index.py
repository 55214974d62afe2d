"""The BM25 index over passages: build, search, save and load.

Scores are rank-bm25's ``BM25Okapi`` (k1 = 1.5, b = 0.75, epsilon = 0.25: an idf
below zero becomes epsilon times the mean idf). The index holds only terms and
passage numbers; the corpus maps numbers back to passages.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rank_bm25 import BM25Okapi

from bot.analysis import ANALYZER_NAME

FORMAT_VERSION = 1
_MANIFEST = "manifest.json"
_TERMS = "terms.jsonl"


@dataclass(frozen=True)
class ScoringParameters:
    """BM25Okapi's parameters, rank-bm25's defaults."""

    k1: float = 1.5
    b: float = 0.75
    epsilon: float = 0.25


@dataclass(frozen=True)
class ScoredPassage:
    number: int
    score: float


class IndexLoadError(ValueError):
    """A saved index that cannot be used: missing, corrupt, or built by other rules."""


class BM25Index:
    """Ranks passages (numbered from 0 in corpus order) for a query's terms."""

    def __init__(
        self,
        documents: Sequence[Sequence[str]],
        parameters: ScoringParameters = ScoringParameters(),
    ) -> None:
        self.parameters = parameters
        self._documents = [list(terms) for terms in documents]
        # rank-bm25 divides by the corpus size, so an empty corpus has no BM25 object.
        self._bm25 = (
            BM25Okapi(self._documents, k1=parameters.k1, b=parameters.b, epsilon=parameters.epsilon)
            if self._documents
            else None
        )
        self._document_frequency: dict[str, int] = {}
        for terms in self._documents:
            for term in set(terms):
                self._document_frequency[term] = self._document_frequency.get(term, 0) + 1

    @property
    def size(self) -> int:
        """How many passages the index holds."""
        return len(self._documents)

    def document_frequency(self, term: str) -> int:
        """How many passages contain ``term``."""
        return self._document_frequency.get(term, 0)

    def contains(self, number: int, term: str) -> bool:
        """Whether passage ``number`` has ``term``."""
        return self._bm25 is not None and term in self._bm25.doc_freqs[number]

    def search(self, terms: Sequence[str], k: int) -> list[ScoredPassage]:
        """The ``k`` best passages that share a term with the query, best first.

        Equal scores are ordered by passage number, so results are reproducible.
        """
        if self._bm25 is None or not terms:
            return []
        scores = self._bm25.get_scores(list(terms))
        query = set(terms)
        candidates = np.array(
            [n for n, freqs in enumerate(self._bm25.doc_freqs) if not query.isdisjoint(freqs)],
            dtype=np.int64,
        )
        if candidates.size == 0:
            return []
        order = np.lexsort((candidates, -scores[candidates]))[:k]
        return [ScoredPassage(int(candidates[i]), float(scores[candidates[i]])) for i in order]

    def save(self, folder: Path) -> None:
        """Write the index to ``folder`` whole or not at all (built aside, then renamed)."""
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
        try:
            manifest = {
                "format": FORMAT_VERSION,
                "analyzer": ANALYZER_NAME,
                "parameters": vars(self.parameters),
                "documents": self.size,
            }
            (staging / _MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
            with (staging / _TERMS).open("w", encoding="utf-8") as out:
                for terms in self._documents:
                    out.write(json.dumps(terms, ensure_ascii=False) + "\n")
            if folder.exists():
                shutil.rmtree(folder)
            os.replace(staging, folder)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path) -> BM25Index:
        """The index saved in ``folder``; IndexLoadError says why one cannot be used."""
        try:
            manifest = json.loads((folder / _MANIFEST).read_text(encoding="utf-8"))
            with (folder / _TERMS).open(encoding="utf-8") as lines:
                documents = [json.loads(line) for line in lines]
            built_by = (manifest["format"], manifest["analyzer"])
            parameters = ScoringParameters(**manifest["parameters"])
            expected = manifest["documents"]
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise IndexLoadError(f"{folder} is not a readable index ({error})") from error
        if built_by != (FORMAT_VERSION, ANALYZER_NAME):
            raise IndexLoadError(f"{folder} was built as {built_by}; rebuild it")
        if len(documents) != expected:
            raise IndexLoadError(f"{folder} holds {len(documents)} of {expected} passages")
        return cls(documents, parameters)
