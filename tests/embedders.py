"""An embedder for tests that must see what the semantic stage embeds."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bot.embedding import Embedder, default_model


class CountingEmbedder(Embedder):
    """The real model, counting the texts it is asked to embed."""

    def __init__(self) -> None:
        super().__init__(default_model())
        self.embedded: list[str] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.embedded.extend(texts)
        return super().embed(texts)
