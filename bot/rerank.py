"""The semantic stage: BM25's candidates re-ranked by what they mean, not the words they share.

A passage's meaning is compared one sentence at a time: its similarity to a question is
that of its closest sentence, since an answer is usually one sentence and a passage's
average dilutes it. Sentence vectors are kept in a bounded cache keyed by the
sentence's text, so a passage is embedded once however often it is a candidate, and a
reloaded corpus keeps the vectors of the sentences it still has.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from bot.corpus import PassageRef
from bot.embedding import Embedder, default_model, model_in_folder
from bot.sentences import split_sentences

CACHE_SENTENCES = 200_000
"""Sentence vectors kept (float16, 384 numbers: about 150 MiB at most)."""


class SentenceVectors:
    """Sentence text -> unit vector, computed on first sight and kept (least recently
    used first out)."""

    def __init__(self, embedder: Embedder, capacity: int = CACHE_SENTENCES) -> None:
        self._embedder = embedder
        self._capacity = capacity
        self._vectors: OrderedDict[bytes, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, sentences: Sequence[str]) -> np.ndarray:
        """One row per sentence, in order."""
        keys = [hashlib.blake2b(s.encode("utf-8"), digest_size=16).digest() for s in sentences]
        with self._lock:
            known = {k: self._vectors[k] for k in keys if k in self._vectors}
            for key in known:
                self._vectors.move_to_end(key)
        missing = list(dict.fromkeys(k for k in keys if k not in known))
        if missing:
            texts = {k: s for k, s in zip(keys, sentences, strict=True) if k in set(missing)}
            fresh = self._embedder.embed([texts[k] for k in missing]).astype(np.float16)
            with self._lock:
                for key, vector in zip(missing, fresh, strict=True):
                    self._vectors[key] = vector
                    known[key] = vector
                while len(self._vectors) > self._capacity:
                    self._vectors.popitem(last=False)
        return np.stack([known[k] for k in keys]).astype(np.float32)


class SemanticReranker:
    """Questions and the sentences of candidate passages, compared by cosine similarity."""

    def __init__(self, embedder: Embedder, capacity: int = CACHE_SENTENCES) -> None:
        self.name = embedder.name
        self._embedder = embedder
        self._sentences = SentenceVectors(embedder, capacity)

    def question_vector(self, question: str) -> np.ndarray:
        return self._embedder.embed([question])[0]

    def passage_similarities(self, question: np.ndarray, refs: Sequence[PassageRef]) -> np.ndarray:
        """For each passage, the cosine similarity of its closest sentence to the question."""
        sentences = [passage_sentences(ref) for ref in refs]
        flat = [s for group in sentences for s in group]
        if not flat:
            return np.zeros(0, dtype=np.float32)
        similarities = self._sentences(flat) @ question
        ends = np.cumsum([len(group) for group in sentences])
        return np.maximum.reduceat(similarities, np.concatenate(([0], ends[:-1])))

    def sentence_similarities(self, question: np.ndarray, sentences: Sequence[str]) -> np.ndarray:
        """The cosine similarity of each sentence to the question."""
        if not sentences:
            return np.zeros(0, dtype=np.float32)
        return self._sentences(sentences) @ question


@lru_cache(maxsize=2)
def load_reranker(model_folder: Path | None = None) -> SemanticReranker:
    """The semantic stage with the default model, or with the model in ``model_folder``;
    EmbeddingUnavailable says why it cannot be had. Loaded once a process: reloading the
    corpus keeps the model and the sentence vectors it has computed."""
    files = default_model() if model_folder is None else model_in_folder(model_folder)
    return SemanticReranker(Embedder(files))


def passage_sentences(ref: PassageRef) -> list[str]:
    """The sentences a passage is compared by: those of the passage as it reads on the
    page (label and speaker included), never none."""
    body = ref.passage.body
    return split_sentences(body) or [body]
