"""The semantic stage: BM25's candidates re-ranked by what they mean, not the words they share.

A passage's meaning is compared one sentence at a time: its similarity to a question is
that of its closest sentence, since an answer is usually one sentence and a passage's
average dilutes it. A passage's sentence vectors are kept in a bounded cache keyed by
its text, so a passage is split and embedded once however often it is a candidate, and a
reloaded corpus keeps the vectors of the passages it still has; an index folder also keeps
them on disk (``bot.vector_store``), so a restart or a one-off ``ask`` does not embed
them again.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from bot.corpus import PassageRef
from bot.embedding import Embedder, default_model, model_in_folder, read_by_models
from bot.sentences import split_sentences
from bot.vector_store import VectorFile

CACHE_SENTENCES = 200_000
"""Sentence vectors kept (float16, 384 numbers each: about 150 MiB at most)."""


class PassageVectors:
    """A passage's text -> its sentences' unit vectors (one row each), computed on first
    sight and kept, least recently used first out, up to ``capacity`` sentences."""

    def __init__(self, embedder: Embedder, capacity: int = CACHE_SENTENCES) -> None:
        self._embedder = embedder
        self._capacity = capacity
        self._size = 0
        self._vectors: OrderedDict[bytes, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(
        self, refs: Sequence[PassageRef], stored: VectorFile | None = None
    ) -> list[np.ndarray]:
        """For each passage, a float16 matrix of its sentences' vectors: from memory, else
        from ``stored`` (a file on disk), else embedded now (and written to ``stored``)."""
        keys = [self._key(ref.passage.body) for ref in refs]
        with self._lock:
            known = {k: self._vectors[k] for k in keys if k in self._vectors}
            for key in known:
                self._vectors.move_to_end(key)
        missing = {k: ref for k, ref in zip(keys, refs, strict=True) if k not in known}
        loaded = stored.get(list(missing)) if stored is not None and missing else {}
        unseen = {k: ref for k, ref in missing.items() if k not in loaded}
        fresh = self._embedded(unseen) if unseen else {}
        if stored is not None:
            stored.put(fresh.items())
        with self._lock:
            for key, matrix in (*loaded.items(), *fresh.items()):
                if key not in self._vectors:
                    self._size += len(matrix)
                self._vectors[key] = matrix
                known[key] = matrix
            while self._size > self._capacity and self._vectors:
                self._size -= len(self._vectors.popitem(last=False)[1])
        return [known[k] for k in keys]

    def fill(self, refs: Sequence[PassageRef], stored: VectorFile) -> int:
        """Embed the passages ``stored`` does not hold yet and write them there, without
        keeping them in memory (an index embedded ahead of its questions would only push
        the questions' own passages out); how many of them were not in the file (a text
        two passages share is embedded once, and counts for both)."""
        keyed = [(self._key(ref.passage.body), ref) for ref in refs]
        held = stored.get(list(dict(keyed)))
        unseen = {key: ref for key, ref in keyed if key not in held}
        if unseen:
            stored.put(self._embedded(unseen).items())
        return sum(key in unseen for key, _ in keyed)  # a repeated text once per passage

    def _embedded(self, refs: dict[bytes, PassageRef]) -> dict[bytes, np.ndarray]:
        """The passages' sentence vectors by key, embedded now in one run of the model."""
        sentences = [passage_sentences(ref) for ref in refs.values()]
        flat = self._embedder.embed([s for group in sentences for s in group])
        ends = np.cumsum([len(group) for group in sentences])
        return dict(zip(refs, np.split(flat.astype(np.float16), ends[:-1]), strict=True))

    def _key(self, text: str) -> bytes:
        """The passage's text and the model that embeds it, hashed: the same key in
        memory and on disk, and another model never reads these vectors. A text the
        models read otherwise than written (see :func:`read_by_models`) is keyed apart
        from the vectors kept of it before they read it so."""
        read = "" if read_by_models(text) == text else "\0read"
        data = f"{self._embedder.identity}{read}\0{text}".encode()
        return hashlib.blake2b(data, digest_size=16).digest()


class SemanticReranker:
    """Questions and the sentences of candidate passages, compared by cosine similarity."""

    def __init__(self, embedder: Embedder, capacity: int = CACHE_SENTENCES) -> None:
        self.name = embedder.name
        self.identity = embedder.identity
        self.dimension = embedder.dimension
        self._embedder = embedder
        self._passages = PassageVectors(embedder, capacity)

    def question_vector(self, question: str) -> np.ndarray:
        return self._embedder.embed([question])[0]

    def passage_similarities(
        self, question: np.ndarray, refs: Sequence[PassageRef], stored: VectorFile | None = None
    ) -> np.ndarray:
        """For each passage, the cosine similarity of its closest sentence to the question."""
        return np.array(
            [float((m.astype(np.float32) @ question).max()) for m in self._passages(refs, stored)],
            dtype=np.float32,
        )

    def fill(self, refs: Sequence[PassageRef], stored: VectorFile) -> int:
        """Embed into ``stored`` the passages it does not hold (see PassageVectors.fill)."""
        return self._passages.fill(refs, stored)

    def sentence_similarities(
        self, question: np.ndarray, ref: PassageRef, stored: VectorFile | None = None
    ) -> np.ndarray:
        """The cosine similarity of each of the passage's sentences (as
        :func:`passage_sentences` splits them) to the question."""
        return self._passages([ref], stored)[0].astype(np.float32) @ question


@lru_cache(maxsize=2)
def load_reranker(model_folder: Path | None = None, threads: int = 1) -> SemanticReranker:
    """The semantic stage with the default model, or with the model in ``model_folder``,
    on ``threads`` threads; EmbeddingUnavailable says why it cannot be had. Loaded once a
    process: reloading the corpus keeps the model and the sentence vectors it has computed."""
    files = default_model() if model_folder is None else model_in_folder(model_folder)
    return SemanticReranker(Embedder(files, threads=threads))


SPLITS_KEPT = 5_000
"""Passages whose sentences are kept once split (about 5 MiB of news paragraphs, with
their text): pysbd takes a millisecond or two a passage, and the same candidates come
back question after question."""


def passage_sentences(ref: PassageRef) -> list[str]:
    """The sentences a passage is compared by, and one of which is set in bold: those of
    the passage as it reads on the page (label and speaker included), never none, with
    a quotation of several sentences taken apart (see :func:`_within_quotes`)."""
    return list(_body_sentences(ref.passage.body))


@lru_cache(maxsize=SPLITS_KEPT)
def _body_sentences(body: str) -> tuple[str, ...]:
    return tuple(
        piece for sentence in split_sentences(body) or [body] for piece in _within_quotes(sentence)
    )


_QUOTE_MARK = re.compile(r"[\"“”]")


def _within_quotes(sentence: str) -> list[str]:
    """pysbd keeps a quotation whole however many sentences it holds, so a three-sentence
    statement would be one "sentence" to compare and to bold. Split it again with its
    quotation marks blanked (the same length), and cut the sentence at the same places:
    each piece is still a substring of the passage, to be found and highlighted."""
    if not _QUOTE_MARK.search(sentence):
        return [sentence]
    blanked = _QUOTE_MARK.sub(" ", sentence)
    pieces = split_sentences(blanked)
    if len(pieces) < 2:
        return [sentence]
    cut, position = [], 0
    for piece in pieces:
        start = blanked.find(piece, position)
        if start < 0:
            return [sentence]
        position = start + len(piece)
        cut.append(sentence[start:position].strip())
    return [piece for piece in cut if piece]
