"""What the bot knows at one moment: a loaded corpus and the answerer over it.

Front ends hold one :class:`Knowledge` and replace it whole on reload, so a question
is always answered from one consistent corpus and index.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from bot.answer import Answerer
from bot.corpus import Corpus, LoadWarning, load_corpus


class EmptyCorpusError(ValueError):
    """A corpus with no article text: nothing could be answered from it."""


@dataclass(frozen=True)
class Knowledge:
    path: Path
    corpus: Corpus
    answerer: Answerer
    warnings: tuple[LoadWarning, ...] = ()
    built_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))


def build_knowledge(path: Path) -> Knowledge:
    """Load the corpus at ``path`` and index it.

    CorpusNotFoundError when the path is not there; EmptyCorpusError when it has no text.
    """
    loaded = load_corpus(path)
    if not loaded.corpus.passages:
        raise EmptyCorpusError(
            f"the corpus at {path} has no articles with text, so there is nothing to answer "
            "from; add .txt, .md or .jsonl files to it"
        )
    return Knowledge(path, loaded.corpus, Answerer(loaded.corpus), loaded.warnings)
