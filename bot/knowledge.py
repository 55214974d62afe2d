"""What the bot knows at one moment: a corpus and the answerer over it.

Front ends hold one :class:`Knowledge` and replace it whole on reload, so a question
is always answered from one consistent corpus and index. Without an index folder the
corpus is read and indexed in memory (fine for thousands of passages); with one, the
persisted index is memory-mapped and passages are read from disk on demand, after the
index has been brought up to date with its corpus (only the files that changed are read).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bot.answer import BM25_ONLY, Answerer, Ranking
from bot.corpus import CorpusNotFoundError, CorpusView, LoadedCorpus, LoadWarning, load_corpus
from bot.index_folder import (
    MANIFEST,
    VECTORS_FILE,
    IndexFormatError,
    IndexLoadError,
    current_generation,
    locked,
)
from bot.index_writer import Progress, no_progress, write_index
from bot.saved_threshold import (
    CALIBRATION_FILE,
    CalibrationFileError,
    SavedThreshold,
    saved_threshold,
)
from bot.store import (
    StoredCorpus,
    corpus_fingerprint,
    indexed_corpus,
    load_index,
    outdated,
    refuse_corpus_as_out,
)
from bot.updates import UpdateReport, file_table, update_index, with_articles
from bot.vector_store import VectorFile


class EmptyCorpusError(ValueError):
    """A corpus with no article text: nothing could be answered from it. It carries the
    load's warnings, which are most often why the corpus is empty."""

    def __init__(self, message: str, warnings: tuple[LoadWarning, ...] = ()) -> None:
        super().__init__(message)
        self.warnings = warnings


KNOWLEDGE_ERRORS = (CorpusNotFoundError, EmptyCorpusError, IndexLoadError, OSError)
"""What loading, building or rebuilding knowledge fails with that a person can put right
(a missing or empty corpus, an index folder that cannot be used, a disk or permission
fault): every front end reports these in one line, from this one list."""


@dataclass(frozen=True)
class Knowledge:
    path: Path
    corpus: CorpusView
    answerer: Answerer
    warnings: tuple[LoadWarning, ...] = ()
    built_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    outdated: str | None = None
    """Why the index answering is older than its corpus, and how to rebuild it."""
    update: UpdateReport | None = None
    """What bringing the index up to date with its corpus did at load, if it was behind."""
    calibration: SavedThreshold | None = None
    """The decline threshold kept in the index folder that answers use, if one does."""
    ranking: Ranking = BM25_ONLY
    """The ranking this was loaded with, to load with again: its threshold is a setting's
    or None, so one kept in the index folder is read afresh at each load (it may have been
    calibrated, or repaired, since)."""

    @property
    def from_index(self) -> bool:
        """Whether this was loaded from an index folder rather than read from the corpus."""
        return isinstance(self.corpus, StoredCorpus)

    @property
    def skipped(self) -> int:
        """How many files or lines were left out (not those read despite a fault)."""
        return sum(warning.skipped for warning in self.warnings)


def read_corpus(path: Path) -> LoadedCorpus:
    """The corpus at ``path``: CorpusNotFoundError when the path is not there,
    EmptyCorpusError when it has no text."""
    loaded = load_corpus(path)
    _require_text(loaded, path)
    return loaded


def build_knowledge(path: Path, ranking: Ranking = BM25_ONLY) -> Knowledge:
    """Load the corpus at ``path`` and index it in memory (see :func:`read_corpus`)."""
    loaded = read_corpus(path)
    answerer = ranking.answerer(loaded.corpus)
    return Knowledge(path, loaded.corpus, answerer, loaded.warnings, ranking=ranking)


def load_knowledge(
    corpus: Path, index: Path | None, ranking: Ranking = BM25_ONLY, *, corpus_given: bool = True
) -> Knowledge:
    """From the index folder when there is one (IndexLoadError if it can't be used; the
    folder knows its own corpus), else from ``corpus``, indexed in memory. An index older
    than its corpus is brought up to date first, reading only the files that changed;
    if that fails (another build holds it, its corpus has no text left) the old index
    still answers, with :attr:`Knowledge.outdated` saying so.

    When the folder cannot say which corpus it was built from, its rebuild hint names
    ``corpus`` only if ``corpus_given`` (someone chose it, rather than the default)."""
    if index is None:
        return build_knowledge(corpus, ranking)
    report = None
    if outdated(index) is not None:
        try:
            report = update_index(index)
        except KNOWLEDGE_ERRORS:
            report = None  # the old generation answers, and says it is behind
    return _from_index(
        index,
        corpus if corpus_given else None,
        ranking,
        report.warnings if report else (),
        outdated=outdated(index),
        update=report,
    )


def build_index(
    corpus: Path, out: Path, progress: Progress = no_progress, workers: int = 1
) -> tuple[LoadWarning, ...]:
    """Read the corpus, index it and write the index folder; the load warnings come back.

    IndexFolderError, before anything is read, when ``out`` is the corpus, holds it, or
    holds what coverage-bot did not write; IndexBusyError when another build holds it.
    """
    refuse_corpus_as_out(out, corpus)
    with locked(out):
        fingerprint = corpus_fingerprint(corpus) if corpus.exists() else ""  # before reading
        files = file_table(corpus, hashed=True) if corpus.exists() else {}
        loaded = load_corpus(corpus)
        _require_text(loaded, corpus)
        files = with_articles(files, loaded.sources)
        write_index(loaded.corpus, out, corpus, fingerprint, progress, workers, files)
    return loaded.warnings


def refresh_index(index: Path, corpus: Path) -> tuple[LoadWarning, ...]:
    """Make the index folder answer from ``corpus`` as it is now: an index of ours is
    updated in place, reading only the files that changed since (see
    :func:`bot.updates.update_index`); a new or empty folder, or one in an older format,
    is built whole. The load warnings come back; failures are KNOWLEDGE_ERRORS."""
    if indexed_corpus(index) is not None:
        with contextlib.suppress(IndexFormatError):  # another format: rebuilt whole below
            return update_index(index, corpus).warnings
    return build_index(corpus, index)


def rebuild_knowledge(corpus: Path, index: Path | None, ranking: Ranking = BM25_ONLY) -> Knowledge:
    """Re-read the corpus (bringing the index folder up to date with the corpus it was
    built from, when there is one) and load it."""
    if index is None:
        return build_knowledge(corpus, ranking)
    warnings = refresh_index(index, indexed_corpus(index) or corpus)
    return _from_index(index, corpus, ranking, warnings)  # just updated: not outdated


def _from_index(
    index: Path,
    corpus: Path | None,
    ranking: Ranking,
    warnings: tuple[LoadWarning, ...],
    **state: Any,
) -> Knowledge:
    """The knowledge in an index folder: its index and articles, its kept threshold (a
    damaged file adds a warning), its vector file, and when it was written; ``corpus``
    names the rebuild command's corpus when the folder cannot."""
    bm25, stored = load_index(index, corpus)
    calibrated, calibration, problem = _calibrated(index, ranking)
    answerer = calibrated.answerer(stored, bm25, _vector_file(index, ranking))
    return Knowledge(
        index,
        stored,
        answerer,
        (*warnings, *problem),
        built_at=_written_at(index),
        calibration=calibration,
        ranking=ranking,
        **state,
    )


def _written_at(index: Path) -> dt.datetime:
    """When the index folder's generation in use was written (built, or last brought up
    to date), which /about shows: not when this process loaded it."""
    try:
        stamp = (current_generation(index) / MANIFEST).stat().st_mtime
    except (OSError, IndexLoadError):
        return dt.datetime.now(dt.UTC)
    return dt.datetime.fromtimestamp(stamp, dt.UTC)


def _calibrated(
    index: Path, ranking: Ranking
) -> tuple[Ranking, SavedThreshold | None, tuple[LoadWarning, ...]]:
    """The ranking with the threshold kept in the index folder for it, unless a setting
    chose one; a damaged calibration file is one warning, and the default applies."""
    if ranking.threshold is not None:
        return ranking, None, ()
    try:
        kept = saved_threshold(index, ranking, indexed_corpus(index))
    except CalibrationFileError as error:
        warning = LoadWarning(
            index / CALIBRATION_FILE,
            f"not used ({error}); answers decline at the default threshold",
            skipped=False,
        )
        return ranking, None, (warning,)
    if kept is None:
        return ranking, None, ()
    return replace(ranking, threshold=kept.threshold), kept, ()


def _vector_file(index: Path, ranking: Ranking) -> VectorFile | None:
    """Where an index folder keeps the semantic stage's passage vectors between runs."""
    if ranking.reranker is None:
        return None
    return VectorFile(index / VECTORS_FILE, ranking.reranker.dimension)


def _require_text(loaded: LoadedCorpus, path: Path) -> None:
    if not loaded.corpus.passages:
        raise EmptyCorpusError(
            f"the corpus at {path} has no articles with text, so there is nothing to answer "
            "from; add .txt, .md, .jsonl or .html files to it",
            loaded.warnings,
        )
