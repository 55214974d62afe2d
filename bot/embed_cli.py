"""``coverage-bot embed``: an index folder's passages embedded ahead of the questions
(the work is in :mod:`bot.index_vectors`; this is its terminal front end)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.progress import Progress

from bot.answer import Ranking
from bot.cli import EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, CommandError
from bot.config import Settings
from bot.embedding import EmbeddingUnavailable
from bot.index_folder import VECTORS_FILE
from bot.index_vectors import EmbeddingTally, embed_passages
from bot.knowledge import Knowledge
from bot.rerank import load_reranker
from bot.terminal import plain
from bot.vector_store import VectorFile, VectorFileError


def run_embed(settings: Settings, index: Path | None, load: Callable[[Ranking], Knowledge]) -> int:
    """Embed every passage of the index folder its vector file does not hold, with a
    progress bar in a terminal and a line each tenth of the way otherwise (a long run is
    often logged); Ctrl-C keeps what was embedded."""
    if index is None:
        raise CommandError(
            "embed keeps the vectors in an index folder: pass --index INDEX_DIR (one "
            "`coverage-bot index` made) or set COVERAGE_BOT_INDEX",
            EXIT_USAGE,
        )
    if not settings.semantic:
        raise CommandError(
            "the semantic stage is off (COVERAGE_BOT_SEMANTIC=false), so nothing is embedded",
            EXIT_USAGE,
        )
    try:
        reranker = load_reranker(settings.model, threads=len(os.sched_getaffinity(0)))
    except EmbeddingUnavailable as error:
        raise CommandError(f"cannot embed: {error}") from error
    knowledge = load(Ranking(reranker))
    stored = VectorFile(index / VECTORS_FILE, reranker.dimension, strict=True)
    tally = EmbeddingTally(len(knowledge.corpus.passages))
    errors = Console(stderr=True)
    tenths = [0]

    def logged(tally: EmbeddingTally) -> None:
        tenth = tally.done * 10 // max(tally.total, 1)
        if tenths[0] < tenth < 10:  # the last line says the rest
            tenths[0] = tenth
            print(
                f"embedding: {tally.done:,} of {tally.total:,} passages done",
                file=sys.stderr,
                flush=True,
            )

    try:
        with Progress(console=errors, transient=True, disable=not errors.is_terminal) as bar:
            task = bar.add_task("embedding", total=tally.total)

            def shown(tally: EmbeddingTally) -> None:
                bar.update(task, completed=tally.done)

            embed_passages(
                knowledge.corpus, reranker, stored, tally, shown if errors.is_terminal else logged
            )
    except VectorFileError as error:
        raise CommandError(str(error)) from error
    except KeyboardInterrupt:
        print(
            f"coverage-bot: stopped; {tally.embedded:,} passages embedded so far are kept "
            f"({tally.done:,} of {tally.total:,} done): run embed again to go on",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    finally:
        stored.close()
    if tally.unreadable:
        print(
            f"warning: {_passages(tally.unreadable)} could not be read, so not embedded; "
            f"the first: {plain(tally.first_unreadable or '')}",
            file=sys.stderr,
        )
    print(
        f"embedded {tally.embedded:,} passages ({tally.already_kept:,} were already kept) "
        f"into {plain(str(stored.path))}: questions on this index embed only the question"
    )
    return EXIT_OK


def _passages(count: int) -> str:
    return "1 passage" if count == 1 else f"{count:,} passages"
