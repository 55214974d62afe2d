"""Shared fixtures: the bundled coverage, loaded once, and an answerer over it; a test of
its own folder with none of the developer's settings."""

from __future__ import annotations

import os
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


@pytest.fixture
def no_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The test's own folder as the working directory, and no COVERAGE_BOT_ setting of the
    developer's (their .env is in another folder): a command reads what the test gave it."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("COVERAGE_BOT_"):
            monkeypatch.delenv(name)
