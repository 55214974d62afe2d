"""Shared fixtures: the bundled coverage, loaded once, and an answerer over it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answer import Answerer
from bot.corpus import Corpus, load_corpus
from bot.knowledge import Knowledge, build_knowledge

BUNDLED_CORPUS = Path(__file__).resolve().parent.parent / "corpus"


@pytest.fixture(scope="session")
def bundled() -> Corpus:
    loaded = load_corpus(BUNDLED_CORPUS)
    assert loaded.warnings == ()
    return loaded.corpus


@pytest.fixture(scope="session")
def answerer(bundled: Corpus) -> Answerer:
    return Answerer(bundled)


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    return build_knowledge(BUNDLED_CORPUS)
