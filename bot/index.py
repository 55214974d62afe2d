"""The BM25 index over passages: build, write, read (memory-mapped) and search.

Scores are exactly rank-bm25's ``BM25Okapi`` (k1 = 1.5, b = 0.75, epsilon = 0.25): for
each (term, passage) pair the index stores the term's whole contribution,

    idf(t) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * |d| / avgdl)),

computed with the same operations in the same order as rank-bm25, where idf(t) is
ln(N - n + 0.5) - ln(n + 0.5) and an idf below zero becomes epsilon times the mean idf.
A query adds the contributions of its terms' postings in query order (a repeated term
counts twice, an unknown one adds nothing), so a score equals rank-bm25's to the last
bit, and the work is proportional to the postings of the query's terms, not to the
corpus. Equal scores are ordered by passage number, on both sides of the parity test.

On disk (one generation of an index folder, see :mod:`bot.index_folder`):
``manifest.json``; the vocabulary, sorted, as one UTF-8 blob with
offsets and a fixed-width array of each term's first bytes for numpy's binary search;
and the postings in CSR form by term
(``indptr``, ``postings_docs``, ``postings_weights``). Arrays are memory-mapped on load.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from bot.analysis import ANALYZER_NAME
from bot.index_folder import (
    BM25_ARRAYS,
    FORMAT_VERSION,
    MANIFEST,
    PREFIX_BYTES,
    damaged,
)
from bot.index_folder import IndexLoadError as IndexLoadError  # where front ends import it
from bot.integrity import read_manifest


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


def okapi_idf(documents: int, frequencies: Sequence[int], epsilon: float) -> list[float]:
    """rank-bm25's BM25Okapi idf for terms in first-appearance order (the order matters:
    the mean that floors negative idfs is summed in it, as rank-bm25 sums it)."""
    idf = [math.log(documents - n + 0.5) - math.log(n + 0.5) for n in frequencies]
    total = 0.0
    for value in idf:  # a plain running sum, as rank-bm25 does; not fsum, not pairwise
        total += value
    floor = epsilon * (total / len(idf)) if idf else 0.0
    return [floor if value < 0 else value for value in idf]


def okapi_weights(
    idf: np.ndarray,
    tf: np.ndarray,
    lengths: np.ndarray,
    doc_of: np.ndarray,
    avgdl: float,
    p: ScoringParameters,
) -> np.ndarray:
    """The per-posting contribution of rank-bm25's get_scores,

        idf * (tf * (k1 + 1) / (tf + k1 * (1 - b + b * |d| / avgdl))),

    for postings of terms with ``idf`` in passages ``doc_of`` with ``tf`` occurrences.
    The length part is a function of the passage alone, so it is computed once a passage
    and gathered; the rest is computed in place. Each value is the same operations on the
    same numbers as rank-bm25's (IEEE sums and products do not depend on operand order),
    so the results are equal to the last bit."""
    length_part = p.k1 * (1 - p.b + p.b * lengths / avgdl)
    weights = tf * (p.k1 + 1)
    denominator = length_part[doc_of]
    denominator += tf
    weights /= denominator
    weights *= idf
    return weights


class BM25Index:
    """Ranks passages (numbered from 0 in corpus order) for a query's terms."""

    def __init__(
        self,
        vocabulary_blob: np.ndarray,
        vocabulary_offsets: np.ndarray,
        vocabulary_prefixes: np.ndarray,
        indptr: np.ndarray,
        postings_docs: np.ndarray,
        postings_weights: np.ndarray,
        documents: int,
        parameters: ScoringParameters = ScoringParameters(),
    ) -> None:
        self._blob = vocabulary_blob
        self._offsets = vocabulary_offsets
        self._prefixes = vocabulary_prefixes
        self._indptr = indptr
        self._docs = postings_docs
        self._weights = postings_weights
        self.size = documents
        self.parameters = parameters
        self._scratch = threading.local()  # per-thread accumulators: searches run in threads

    # -- building ---------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        documents: Iterable[Sequence[str]],
        parameters: ScoringParameters = ScoringParameters(),
    ) -> BM25Index:
        """The index of ``documents`` (each a passage's terms)."""
        words, term_ids, lengths = number_terms(documents)
        return cls.from_term_ids(words, term_ids, lengths, parameters)

    @classmethod
    def from_term_ids(
        cls,
        words: Sequence[str],
        term_ids: np.ndarray,
        lengths: np.ndarray,
        parameters: ScoringParameters = ScoringParameters(),
    ) -> BM25Index:
        """The index of passages given as term numbers: ``words`` in order of first
        appearance (the order rank-bm25 meets them in), ``term_ids`` every passage's terms
        one after another, ``lengths`` how many terms each passage has."""
        count = len(lengths)
        if count == 0:
            return cls.empty(parameters)
        doc_lengths = np.asarray(lengths, dtype=np.int64)
        # Number the terms alphabetically, so a saved vocabulary can be binary-searched.
        alphabetical = np.asarray(sorted(range(len(words)), key=words.__getitem__), np.int64)
        rank = np.empty(len(words), dtype=np.int64)
        rank[alphabetical] = np.arange(len(words))
        # One sort of (term, passage) pairs packed in one integer gives the postings grouped
        # by term, then by passage, with their counts. Built in place: at a million
        # passages each array of this size is half a gigabyte.
        pairs = rank[term_ids]
        pairs *= count
        pairs += np.repeat(np.arange(count, dtype=np.int64), doc_lengths)
        pairs, tf = _distinct_with_counts(pairs)
        doc_of = (pairs % count).astype(np.int32)
        by_rank = np.bincount(pairs // count, minlength=len(words))
        del pairs
        idf_first = okapi_idf(count, by_rank[rank].tolist(), parameters.epsilon)
        idf = np.asarray(idf_first)[alphabetical]
        avgdl = int(doc_lengths.sum()) / count
        weights = okapi_weights(np.repeat(idf, by_rank), tf, doc_lengths, doc_of, avgdl, parameters)
        indptr = np.zeros(len(words) + 1, dtype=np.int64)
        np.cumsum(by_rank, out=indptr[1:])
        blob, offsets, prefixes = _pack_words([words[i] for i in alphabetical])
        return cls(blob, offsets, prefixes, indptr, doc_of, weights, count, parameters)

    @classmethod
    def empty(cls, parameters: ScoringParameters = ScoringParameters()) -> BM25Index:
        none = np.zeros(0, dtype=np.int64)
        return cls(
            np.zeros(0, dtype=np.uint8),
            np.zeros(1, dtype=np.int64),
            np.zeros(0, dtype=f"S{PREFIX_BYTES}"),
            np.zeros(1, dtype=np.int64),
            none.astype(np.int32),
            none.astype(np.float64),
            0,
            parameters,
        )

    # -- asking -------------------------------------------------------------------------

    def term_id(self, term: str) -> int | None:
        """The term's row in the postings: numpy's binary search over the terms' first
        bytes, then the whole word compared among those that share them."""
        wanted = term.encode("utf-8")
        prefix = wanted[:PREFIX_BYTES]
        row = int(np.searchsorted(self._prefixes, prefix))
        while row < len(self._prefixes) and self._prefixes[row] == prefix:
            if self._word(row) == wanted:
                return row
            row += 1
        return None

    def _word(self, row: int) -> bytes:
        return self._blob[self._offsets[row] : self._offsets[row + 1]].tobytes()

    def _postings(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        row = self.term_id(term)
        if row is None:
            return self._docs[:0], self._weights[:0]
        start, end = self._indptr[row], self._indptr[row + 1]
        return self._docs[start:end], self._weights[start:end]

    def document_frequency(self, term: str) -> int:
        """How many passages contain ``term``."""
        return len(self._postings(term)[0])

    def contains(self, number: int, term: str) -> bool:
        """Whether passage ``number`` has ``term``."""
        docs, _ = self._postings(term)
        at = int(np.searchsorted(docs, number))
        return at < len(docs) and int(docs[at]) == number

    def search(self, terms: Sequence[str], k: int) -> list[ScoredPassage]:
        """The ``k`` best passages that share a term with the query, best first."""
        if self.size == 0 or not terms or k < 1:
            return []
        scores, seen = self._accumulators()
        found: list[np.ndarray] = []
        for term in terms:  # query order, repeats included: the sums match rank-bm25's
            docs, weights = self._postings(term)
            if len(docs) == 0:
                continue
            fresh = docs[~seen[docs]]
            seen[fresh] = True
            found.append(fresh)
            scores[docs] += weights
        if not found:
            return []
        candidates = np.concatenate(found).astype(np.int64)
        values = scores[candidates].copy()
        scores[candidates] = 0.0
        seen[candidates] = False
        best = _top_k(candidates, values, k)
        return [ScoredPassage(int(candidates[i]), float(values[i])) for i in best]

    def _accumulators(self) -> tuple[np.ndarray, np.ndarray]:
        """This thread's score and seen arrays, all zero between searches."""
        scratch = self._scratch
        if getattr(scratch, "scores", None) is None or len(scratch.scores) != self.size:
            scratch.scores = np.zeros(self.size, dtype=np.float64)
            scratch.seen = np.zeros(self.size, dtype=bool)
        return scratch.scores, scratch.seen

    # -- on disk ------------------------------------------------------------------------

    def write(self, folder: Path, **facts: object) -> None:
        """Write the arrays and the manifest into ``folder`` (a staging folder); ``facts``,
        such as the corpus fingerprint, go in the manifest."""
        for name, dtype in BM25_ARRAYS.items():
            array = getattr(self, _ATTRIBUTE[name]).astype(dtype, copy=False)
            np.save(folder / f"{name}.npy", array)
        manifest = {
            "format": FORMAT_VERSION,
            "analyzer": ANALYZER_NAME,
            "parameters": asdict(self.parameters),
            "documents": self.size,
            "postings": len(self._docs),
            **facts,
        }
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")

    @classmethod
    def read(cls, folder: Path) -> BM25Index:
        """The index whose arrays and manifest are in ``folder`` (one generation). Only the
        arrays' shapes and ends are checked here: ``integrity.verify_index`` checks every
        value, and a whole index folder is loaded through it."""
        manifest = read_manifest(folder)
        arrays = {}
        for name in BM25_ARRAYS:
            try:
                # Plain ndarray views of the maps: numpy's memmap subclass slows every slice.
                array = np.load(folder / f"{name}.npy", mmap_mode="r").view(np.ndarray)
            except (OSError, ValueError, EOFError) as error:
                raise damaged(folder, f"{name}.npy", f"not a readable array ({error})") from error
            if array.ndim != 1:
                raise damaged(folder, f"{name}.npy", f"has shape {array.shape}, not a column")
            arrays[name] = array
        indptr, docs = arrays["indptr"], arrays["postings_docs"]
        if len(docs) != manifest["postings"] or len(arrays["postings_weights"]) != len(docs):
            raise damaged(folder, "postings_docs.npy", "the postings are not all there")
        if len(indptr) != len(arrays["vocabulary_offsets"]) or indptr[-1:].tolist() != [len(docs)]:
            raise damaged(folder, "indptr.npy", "the term rows do not match the postings")
        parameters = ScoringParameters(**manifest["parameters"])
        return cls(**arrays, documents=manifest["documents"], parameters=parameters)


def number_terms(documents: Iterable[Sequence[str]]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Documents as term numbers: the distinct terms in order of first appearance, every
    document's term numbers one after another, and each document's length."""
    tokens: list[str] = []
    lengths: list[int] = []
    for terms in documents:
        tokens.extend(terms)
        lengths.append(len(terms))
    words = list(dict.fromkeys(tokens))
    numbers = {word: n for n, word in enumerate(words)}
    term_ids = np.fromiter(map(numbers.__getitem__, tokens), dtype=np.int64, count=len(tokens))
    return words, term_ids, np.asarray(lengths, dtype=np.int64)


_ATTRIBUTE = {
    "vocabulary_blob": "_blob",
    "vocabulary_offsets": "_offsets",
    "vocabulary_prefixes": "_prefixes",
    "indptr": "_indptr",
    "postings_docs": "_docs",
    "postings_weights": "_weights",
}


def _distinct_with_counts(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(values, return_counts=True)``, sorting ``values`` in place instead of
    in a copy (``values`` is left sorted)."""
    values.sort()
    first = np.ones(len(values), dtype=bool)
    np.not_equal(values[1:], values[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    return values[starts], np.diff(starts, append=len(values))


def _pack_words(words: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The sorted words as one UTF-8 blob, its offsets, and each word's first bytes."""
    encoded = [w.encode("utf-8") for w in words]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    prefixes = np.array([e[:PREFIX_BYTES] for e in encoded], dtype=f"S{PREFIX_BYTES}")
    return np.frombuffer(b"".join(encoded), dtype=np.uint8).copy(), offsets, prefixes


def _top_k(candidates: np.ndarray, values: np.ndarray, k: int) -> np.ndarray:
    """Positions of the k best: score descending, then passage number ascending."""
    if len(values) > k:
        kth = np.partition(-values, k - 1)[k - 1]
        keep = np.flatnonzero(-values <= kth)  # everything tied with the k-th too
        candidates, values, positions = candidates[keep], values[keep], keep
    else:
        positions = np.arange(len(values))
    order = np.lexsort((candidates, -values))[:k]
    return positions[order]
