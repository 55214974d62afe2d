"""The BM25 index over passages: segments built, written, read (memory-mapped) and searched.

Scores are exactly rank-bm25's ``BM25Okapi`` (k1 = 1.5, b = 0.75, epsilon = 0.25) over
the live passages of all segments:

    idf(t) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * |d| / avgdl)),

where idf(t) is ln(N - n + 0.5) - ln(n + 0.5) and an idf below zero becomes epsilon
times the mean idf over the whole live vocabulary. A segment is immutable and stores
what the weights are made from: per-term postings of passage number and term count, and
the passages' lengths. N, avgdl and the document frequencies change with every update,
so they are applied at query time, for the query's terms only; the mean idf depends only
on N and how many terms have each document frequency (a small histogram kept with the
index), so it is computed once per index state. Each weight is the same operations on
the same numbers as rank-bm25's; only the mean idf is summed in another order, so scores
agree to about 1e-15. A query adds its terms' contributions in query order (a repeated
term counts twice, an unknown one adds nothing); equal scores are ordered by passage
number, on both sides of the parity test.

Passages are numbered across segments in order; passages a later update removed
(``deleted``) are skipped, and the live ones are numbered densely from 0, which is what
:meth:`BM25Index.search` returns and the corpus view maps to passages.

On disk (one generation of an index folder, see :mod:`bot.index_folder`), each segment
in ``segments/NAME/``: the vocabulary, sorted, as one UTF-8 blob with offsets and a
fixed-width array of each term's first bytes for numpy's binary search; the postings in
CSR form by term (``indptr``, ``postings_docs``, ``postings_tf``); ``passage_lengths``.
The generation adds ``deleted_passages`` and ``df_histogram``. Arrays are memory-mapped.
"""

from __future__ import annotations

import json
import math
import threading
from collections import Counter
from collections.abc import Iterable, Sequence, Set
from dataclasses import asdict, dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np

from bot.analysis import ANALYZER_NAME
from bot.index_folder import (
    BM25_ARRAYS,
    FORMAT_VERSION,
    MANIFEST,
    PREFIX_BYTES,
    SEGMENTS,
    STATE_ARRAYS,
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


def okapi_idf(documents: int, frequency: int) -> float:
    """rank-bm25's BM25Okapi idf of a term in ``frequency`` of ``documents`` passages,
    before the floor."""
    return math.log(documents - frequency + 0.5) - math.log(frequency + 0.5)


def idf_floor(documents: int, histogram: np.ndarray, epsilon: float) -> float:
    """epsilon times the mean idf over the live vocabulary, which rank-bm25 gives a term
    whose idf is negative; ``histogram`` is pairs (document frequency, how many terms
    have it), flat. Summed by frequency, not term by term: equal to rank-bm25's running
    sum up to rounding (about 1e-16 of the sum)."""
    pairs = histogram.reshape(-1, 2)
    frequencies, terms = pairs[:, 0].astype(np.float64), pairs[:, 1].astype(np.float64)
    if not terms.sum():
        return 0.0
    idf = np.log(documents - frequencies + 0.5) - np.log(frequencies + 0.5)
    return epsilon * (float(idf @ terms) / float(terms.sum()))


def histogram_of(frequencies: Iterable[int]) -> np.ndarray:
    """Pairs (document frequency, how many terms have it), flat, for positive frequencies."""
    counts = Counter(int(n) for n in frequencies if n > 0)
    return np.asarray([v for pair in sorted(counts.items()) for v in pair], dtype=np.int64)


def okapi_weights(
    idf: float, tf: np.ndarray, length_part: np.ndarray, p: ScoringParameters
) -> np.ndarray:
    """The per-posting contribution of rank-bm25's get_scores,

        idf * (tf * (k1 + 1) / (tf + k1 * (1 - b + b * |d| / avgdl))),

    for postings with ``tf`` occurrences in passages whose length part (the
    ``k1 * (...)`` term) is ``length_part``. Each value is the same operations on the
    same numbers as rank-bm25's (IEEE sums and products do not depend on operand order),
    so the results are equal to the last bit."""
    weights = tf * (p.k1 + 1)
    denominator = length_part + tf
    weights /= denominator
    weights *= idf
    return weights


class Segment:
    """One immutable batch of passages: its vocabulary, postings with term counts, and
    passage lengths. Passages are numbered from 0 within it."""

    def __init__(
        self,
        vocabulary_blob: np.ndarray,
        vocabulary_offsets: np.ndarray,
        vocabulary_prefixes: np.ndarray,
        indptr: np.ndarray,
        postings_docs: np.ndarray,
        postings_tf: np.ndarray,
        passage_lengths: np.ndarray,
    ) -> None:
        self.arrays = {
            "vocabulary_blob": vocabulary_blob,
            "vocabulary_offsets": vocabulary_offsets,
            "vocabulary_prefixes": vocabulary_prefixes,
            "indptr": indptr,
            "postings_docs": postings_docs,
            "postings_tf": postings_tf,
            "passage_lengths": passage_lengths,
        }
        self._blob, self._offsets, self._prefixes = (
            vocabulary_blob,
            vocabulary_offsets,
            vocabulary_prefixes,
        )
        self.indptr, self.docs, self.tf, self.lengths = (
            indptr,
            postings_docs,
            postings_tf,
            passage_lengths,
        )
        self.size = len(passage_lengths)

    @classmethod
    def from_term_ids(
        cls, words: Sequence[str], term_ids: np.ndarray, lengths: np.ndarray
    ) -> Segment:
        """The segment of passages given as term numbers: ``words`` the distinct terms,
        ``term_ids`` every passage's terms one after another, ``lengths`` how many terms
        each passage has."""
        count = len(lengths)
        doc_lengths = np.asarray(lengths, dtype=np.int64)
        # Number the terms alphabetically, so a saved vocabulary can be binary-searched.
        alphabetical = np.asarray(sorted(range(len(words)), key=words.__getitem__), np.int64)
        rank = np.empty(len(words), dtype=np.int64)
        rank[alphabetical] = np.arange(len(words))
        # One sort of (term, passage) pairs packed in one integer gives the postings grouped
        # by term, then by passage, with their counts. Built in place: at a million
        # passages each array of this size is half a gigabyte.
        pairs = rank[term_ids]
        pairs *= max(count, 1)
        pairs += np.repeat(np.arange(count, dtype=np.int64), doc_lengths)
        pairs, tf = _distinct_with_counts(pairs)
        doc_of = (pairs % max(count, 1)).astype(np.int32)
        by_rank = np.bincount(pairs // max(count, 1), minlength=len(words))
        del pairs
        indptr = np.zeros(len(words) + 1, dtype=np.int64)
        np.cumsum(by_rank, out=indptr[1:])
        blob, offsets, prefixes = pack_words([words[i] for i in alphabetical])
        tf32, lengths32 = tf.astype(np.int32), doc_lengths.astype(np.int32)
        return cls(blob, offsets, prefixes, indptr, doc_of, tf32, lengths32)

    def row(self, term: str) -> int | None:
        """The term's row in the postings: numpy's binary search over the terms' first
        bytes, then the whole word compared among those that share them."""
        wanted = term.encode("utf-8")
        prefix = wanted[:PREFIX_BYTES]
        row = int(np.searchsorted(self._prefixes, prefix))
        while row < len(self._prefixes) and self._prefixes[row] == prefix:
            if self.word(row) == wanted:
                return row
            row += 1
        return None

    def word(self, row: int) -> bytes:
        return self._blob[self._offsets[row] : self._offsets[row + 1]].tobytes()

    def words(self) -> list[str]:
        """The vocabulary, in row order."""
        blob, offsets = self._blob.tobytes(), self._offsets.tolist()
        return [blob[a:b].decode("utf-8") for a, b in pairwise(offsets)]

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """The passages holding ``term`` and how often each does."""
        row = self.row(term)
        if row is None:
            return self.docs[:0], self.tf[:0]
        start, end = self.indptr[row], self.indptr[row + 1]
        return self.docs[start:end], self.tf[start:end]

    def write(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for name, dtype in BM25_ARRAYS.items():
            np.save(folder / f"{name}.npy", self.arrays[name].astype(dtype, copy=False))

    @classmethod
    def read(cls, folder: Path, generation: Path, postings: int) -> Segment:
        """The segment whose arrays are in ``folder``, memory-mapped; only shapes and ends
        are checked here (``integrity.verify_index`` checks every value)."""
        arrays = {}
        for name in BM25_ARRAYS:
            file = f"{folder.relative_to(generation).as_posix()}/{name}.npy"
            try:
                # Plain ndarray views of the maps: numpy's memmap subclass slows every slice.
                array = np.load(folder / f"{name}.npy", mmap_mode="r").view(np.ndarray)
            except (OSError, ValueError, EOFError) as error:
                raise damaged(generation, file, f"not a readable array ({error})") from error
            if array.ndim != 1:
                raise damaged(generation, file, f"has shape {array.shape}, not a column")
            arrays[name] = array
        indptr, docs = arrays["indptr"], arrays["postings_docs"]
        where = f"{folder.relative_to(generation).as_posix()}/postings_docs.npy"
        if len(docs) != postings or len(arrays["postings_tf"]) != len(docs):
            raise damaged(generation, where, "the postings are not all there")
        if len(indptr) != len(arrays["vocabulary_offsets"]) or indptr[-1:].tolist() != [len(docs)]:
            where = f"{folder.relative_to(generation).as_posix()}/indptr.npy"
            raise damaged(generation, where, "the term rows do not match the postings")
        return cls(**arrays)


class BM25Index:
    """Ranks the live passages of its segments (numbered densely from 0) for a query's
    terms, with rank-bm25's scores over exactly those passages."""

    def __init__(
        self,
        segments: Sequence[Segment],
        deleted: np.ndarray | None = None,
        histogram: np.ndarray | None = None,
        parameters: ScoringParameters = ScoringParameters(),
    ) -> None:
        self.segments = list(segments)
        self.parameters = parameters
        sizes = [s.size for s in self.segments]
        self.bases = np.concatenate([[0], np.cumsum(sizes, dtype=np.int64)]).astype(np.int64)
        self.slots = int(self.bases[-1])
        self.deleted = np.zeros(0, np.int64) if deleted is None else np.asarray(deleted, np.int64)
        self.live = np.ones(self.slots, dtype=bool)
        self.live[self.deleted] = False
        self.size = self.slots - len(self.deleted)
        lengths = np.concatenate([s.lengths for s in self.segments] or [np.zeros(0, np.int32)])
        total = int(lengths.astype(np.int64)[self.live].sum())
        p = parameters
        avgdl = total / self.size if self.size else 1.0
        self._length_part = p.k1 * (1 - p.b + p.b * lengths.astype(np.float64) / avgdl)
        self.histogram = self._histogram() if histogram is None else histogram
        self.floor = idf_floor(self.size, self.histogram, p.epsilon)
        if len(self.deleted):
            self._number_of_slot = np.cumsum(self.live, dtype=np.int64) - 1
            self._slot_of_number = np.flatnonzero(self.live)
        self._scratch = threading.local()  # per-thread accumulators: searches run in threads

    # -- building ---------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        documents: Iterable[Sequence[str]],
        parameters: ScoringParameters = ScoringParameters(),
    ) -> BM25Index:
        """The one-segment index of ``documents`` (each a passage's terms)."""
        return cls([Segment.from_term_ids(*number_terms(documents))], parameters=parameters)

    @classmethod
    def from_term_ids(
        cls,
        words: Sequence[str],
        term_ids: np.ndarray,
        lengths: np.ndarray,
        parameters: ScoringParameters = ScoringParameters(),
    ) -> BM25Index:
        """The one-segment index of passages given as term numbers (see
        :meth:`Segment.from_term_ids`)."""
        return cls([Segment.from_term_ids(words, term_ids, lengths)], parameters=parameters)

    @classmethod
    def empty(cls, parameters: ScoringParameters = ScoringParameters()) -> BM25Index:
        return cls.build([], parameters)

    def _histogram(self) -> np.ndarray:
        """The document-frequency histogram of the live vocabulary, counted afresh: cheap
        for one segment, a pass over every vocabulary otherwise."""
        if len(self.segments) == 1:
            return histogram_of(self._live_frequencies(self.segments[0], 0).tolist())
        totals: Counter[str] = Counter()
        for segment, base in zip(self.segments, self.bases.tolist(), strict=False):
            frequencies = self._live_frequencies(segment, base)
            totals.update(dict(zip(segment.words(), frequencies.tolist(), strict=True)))
        return histogram_of(totals.values())

    def _live_frequencies(self, segment: Segment, base: int) -> np.ndarray:
        """How many live passages hold each of a segment's terms (every term has a
        posting, so no row is empty)."""
        frequencies = np.diff(segment.indptr)
        if not len(self.deleted) or not len(segment.docs):
            return frequencies
        dead = (~self.live[base : base + segment.size][segment.docs]).astype(np.int64)
        return frequencies - np.add.reduceat(dead, segment.indptr[:-1])

    # -- asking -------------------------------------------------------------------------

    def _hits(self, term: str) -> tuple[int, list[tuple[int, np.ndarray, np.ndarray]]]:
        """The term's live document frequency, and its postings in each segment (with the
        segment's first passage number)."""
        frequency, hits = 0, []
        for segment, base in zip(self.segments, self.bases.tolist(), strict=False):
            docs, tf = segment.postings(term)
            if not len(docs):
                continue
            if len(self.deleted):
                frequency += int(np.count_nonzero(self.live[base : base + segment.size][docs]))
            else:
                frequency += len(docs)
            hits.append((base, docs, tf))
        return frequency, hits

    def idf(self, frequency: int) -> float:
        """rank-bm25's idf for a term in ``frequency`` live passages, floored."""
        value = okapi_idf(self.size, frequency)
        return self.floor if value < 0 else value

    def document_frequency(self, term: str) -> int:
        """How many live passages contain ``term``."""
        return self._hits(term)[0]

    def contains(self, number: int, term: str) -> bool:
        """Whether live passage ``number`` has ``term``."""
        slot = int(self._slot_of_number[number]) if len(self.deleted) else number
        at_segment = int(np.searchsorted(self.bases, slot, side="right")) - 1
        docs, _ = self.segments[at_segment].postings(term)
        local = slot - int(self.bases[at_segment])
        at = int(np.searchsorted(docs, local))
        return at < len(docs) and int(docs[at]) == local

    def search(self, terms: Sequence[str], k: int) -> list[ScoredPassage]:
        """The ``k`` best live passages that share a term with the query, best first."""
        if self.size == 0 or not terms or k < 1:
            return []
        scores, seen = self._accumulators()
        found: list[np.ndarray] = []
        for term in terms:  # query order, repeats included: the sums match rank-bm25's
            frequency, hits = self._hits(term)
            if frequency == 0:
                continue
            idf = self.idf(frequency)
            for base, docs, tf in hits:
                # Views from the segment's first passage: its own numbers index them.
                length_part, segment_seen, segment_scores = (
                    self._length_part[base:],
                    seen[base:],
                    scores[base:],
                )
                weights = okapi_weights(idf, tf, length_part[docs], self.parameters)
                fresh = docs[~segment_seen[docs]]
                segment_seen[fresh] = True
                found.append(fresh.astype(np.int64) + base)
                segment_scores[docs] += weights
        if not found:
            return []
        candidates = np.concatenate(found)
        values = scores[candidates].copy()
        scores[candidates] = 0.0
        seen[candidates] = False
        if len(self.deleted):
            alive = self.live[candidates]
            candidates = self._number_of_slot[candidates[alive]]
            values = values[alive]
        best = _top_k(candidates, values, k)
        return [ScoredPassage(int(candidates[i]), float(values[i])) for i in best]

    def _accumulators(self) -> tuple[np.ndarray, np.ndarray]:
        """This thread's score and seen arrays, all zero between searches."""
        scratch = self._scratch
        if getattr(scratch, "scores", None) is None or len(scratch.scores) != self.slots:
            scratch.scores = np.zeros(self.slots, dtype=np.float64)
            scratch.seen = np.zeros(self.slots, dtype=bool)
        return scratch.scores, scratch.seen

    # -- on disk ------------------------------------------------------------------------

    def write(
        self,
        folder: Path,
        names: Sequence[str] | None = None,
        skip: Set[str] = frozenset(),
        **facts: object,
    ) -> None:
        """Write the segments (named ``names``, by default numbered; those in ``skip`` are
        there already), the deletions, the histogram and the manifest into ``folder`` (a
        staging folder); ``facts``, such as the corpus fingerprint, go in the manifest."""
        names = list(names or (segment_name(n) for n in range(len(self.segments))))
        for name, segment in zip(names, self.segments, strict=True):
            if name not in skip:
                segment.write(folder / SEGMENTS / name)
        state = {"deleted_passages": self.deleted, "df_histogram": self.histogram}
        for name, array in state.items():
            np.save(folder / f"{name}.npy", np.asarray(array, dtype=STATE_ARRAYS[name]))
        manifest = {
            "format": FORMAT_VERSION,
            "analyzer": ANALYZER_NAME,
            "parameters": asdict(self.parameters),
            "documents": self.size,
            "postings": sum(len(s.docs) for s in self.segments),
            "segments": [
                {"name": name, "documents": s.size, "postings": len(s.docs), "articles": 0}
                for name, s in zip(names, self.segments, strict=True)
            ],
            **facts,
        }
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")

    @classmethod
    def read(cls, folder: Path) -> BM25Index:
        """The index whose segments and manifest are in ``folder`` (one generation)."""
        manifest = read_manifest(folder)
        segments = [
            Segment.read(folder / SEGMENTS / s["name"], folder, s["postings"])
            for s in manifest["segments"]
        ]
        state = {}
        for name in ("deleted_passages", "df_histogram"):
            try:
                state[name] = np.load(folder / f"{name}.npy", mmap_mode="r").view(np.ndarray)
            except (OSError, ValueError, EOFError) as error:
                raise damaged(folder, f"{name}.npy", f"not a readable array ({error})") from error
        parameters = ScoringParameters(**manifest["parameters"])
        return cls(segments, state["deleted_passages"], state["df_histogram"], parameters)


def segment_name(number: int) -> str:
    """The folder name of the ``number``-th segment an index folder made."""
    return f"segment-{number:06d}"


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


def _distinct_with_counts(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(values, return_counts=True)``, sorting ``values`` in place instead of
    in a copy (``values`` is left sorted)."""
    values.sort()
    first = np.ones(len(values), dtype=bool)
    np.not_equal(values[1:], values[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    return values[starts], np.diff(starts, append=len(values))


def pack_words(words: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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
