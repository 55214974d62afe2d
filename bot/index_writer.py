"""Writing an index folder: the corpus's passages tokenised (in forked workers for a big
corpus), numbered into one vocabulary, and written with their articles as a segment of a
new generation, which :func:`bot.index_folder.building` renames into place whole.

:mod:`bot.store` reads what this writes; :mod:`bot.updates` adds segments with it.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import gc
import json
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from bot.answer import passage_terms
from bot.corpus import Article, Corpus, CorpusView
from bot.corpus.records import date_ordinal
from bot.index import BM25Index, number_terms, segment_name
from bot.index_folder import (
    ARTICLES,
    FILES_TABLE,
    HEADLINES,
    MANIFEST,
    SEGMENTS,
    STORE_ARRAYS,
    building,
)
from bot.integrity import write_checksums
from bot.json_input import read_json
from bot.store import article_line

Progress = Callable[[int, int], None]
"""Told how many more passages have been tokenised, and of how many (for a progress bar)."""
# Enough chunks for a progress bar that moves and for workers that finish together; few
# enough that merging the chunks' vocabularies stays cheap.
_CHUNKS_PER_WORKER = 16
_MIN_CHUNK = 4_000


def no_progress(_: int, __: int) -> None:
    """Progress that nobody watches: the default."""


# The corpus that forked tokenising workers read: they inherit it rather than receive it.
_corpus_for_workers: CorpusView | None = None


_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _worker_started(parent: int) -> None:
    """Tie a tokenising worker's life to the build that forked it. Killed by a signal or
    the kernel's out-of-memory killer, the parent would otherwise leave its workers blocked
    on a pipe nobody reads, forever (their inherited lock is closed at fork, so at least
    they no longer keep the index folder locked). On Linux the kernel kills the worker
    when its parent dies; the parent might already have died before that was asked."""
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)


def _number_chunk(bounds: tuple[int, int]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """One chunk of passages tokenised and numbered with the chunk's own vocabulary."""
    assert _corpus_for_workers is not None
    passages = _corpus_for_workers.passages
    return number_terms(passage_terms(passages[n]) for n in range(*bounds))


def index_corpus(
    corpus: CorpusView, workers: int = 1, progress: Progress = no_progress
) -> BM25Index:
    """The BM25 index of the corpus's passages. Chunks are tokenised and numbered apart
    (with ``workers`` > 1, in forked processes side by side, which is only safe in a
    command, not in the running bot), then their vocabularies are merged in order, so
    terms keep their corpus-wide order of first appearance."""
    global _corpus_for_workers
    count = len(corpus.passages)
    size = max(_MIN_CHUNK, -(-count // (workers * _CHUNKS_PER_WORKER)))
    chunks = [(start, min(start + size, count)) for start in range(0, count, size)]
    _corpus_for_workers = corpus
    try:
        if workers > 1 and len(chunks) > 1:
            gc.freeze()  # the workers' collector then never walks the corpus they inherit
            try:
                context = multiprocessing.get_context("fork")
                with ProcessPoolExecutor(
                    workers, context, initializer=_worker_started, initargs=(os.getpid(),)
                ) as pool:
                    numbered = _merged(pool.map(_number_chunk, chunks), progress, count)
            finally:
                gc.unfreeze()
        else:
            numbered = _merged(map(_number_chunk, chunks), progress, count)
    finally:
        _corpus_for_workers = None
    return BM25Index.from_term_ids(*numbered)


def _merged(
    chunks: Iterable[tuple[list[str], np.ndarray, np.ndarray]], progress: Progress, total: int
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The chunks renumbered into one vocabulary in corpus order: its words, all term
    numbers one after another (32 bits: half the memory of a million passages' worth),
    and the passages' lengths."""
    numbers: dict[str, int] = {}
    words: list[str] = []
    term_ids: list[np.ndarray] = []
    lengths: list[np.ndarray] = []
    for chunk_words, chunk_ids, chunk_lengths in chunks:
        for word in chunk_words:
            if word not in numbers:
                numbers[word] = len(words)
                words.append(word)
        mapping = np.fromiter(map(numbers.__getitem__, chunk_words), np.int32, len(chunk_words))
        term_ids.append(mapping[chunk_ids])
        lengths.append(chunk_lengths)
        progress(len(chunk_lengths), total)
    if not lengths:
        return words, np.zeros(0, np.int32), np.zeros(0, np.int64)
    return words, np.concatenate(term_ids), np.concatenate(lengths)


def write_index(
    corpus: Corpus,
    out: Path,
    source: Path,
    fingerprint: str,
    progress: Progress = no_progress,
    workers: int = 1,
    files: dict[str, dict[str, Any]] | None = None,
) -> None:
    """Build the index of ``corpus`` (read from ``source``, whose fingerprint and files'
    table were taken before reading it) and write it, with its articles, to ``out``
    whole, as one segment."""
    index = index_corpus(corpus, workers, progress)
    with building(out) as staging:
        name = segment_name(0)
        write_segment_articles(staging / SEGMENTS / name, corpus.articles)
        finish_generation(
            staging,
            index,
            [name],
            [len(corpus.articles)],
            deleted_articles=np.zeros(0, np.int64),
            files=files or {},
            facts={
                "corpus_path": str(source.resolve()),
                "corpus_fingerprint": fingerprint,
                "dates": _iso_dates(corpus.date_range),
            },
        )


def finish_generation(
    staging: Path,
    index: BM25Index,
    names: list[str],
    articles: list[int],
    deleted_articles: np.ndarray,
    files: dict[str, dict[str, Any]],
    facts: dict[str, Any],
    linked: dict[str, int] | None = None,
) -> None:
    """Write what a generation holds beside its segments' article files: the index's
    segments (those not ``linked`` from the last generation, whose checksums are given),
    deletions, histogram, files' table and manifest with checksums."""
    index.write(staging, names, skip={n.split("/")[1] for n in linked or {}}, **facts)
    np.save(staging / "deleted_articles.npy", np.asarray(deleted_articles, dtype="<i8"))
    (staging / FILES_TABLE).write_text(json.dumps(files, ensure_ascii=False), "utf-8")
    manifest = read_json((staging / MANIFEST).read_text("utf-8"))
    for segment, count in zip(manifest["segments"], articles, strict=True):
        segment["articles"] = count
    manifest["articles"] = sum(articles) - len(deleted_articles)
    manifest["next_segment"] = max(int(n.rsplit("-", 1)[1]) for n in names) + 1
    (staging / MANIFEST).write_text(json.dumps(manifest, indent=2), "utf-8")
    write_checksums(staging, linked)


def write_segment_articles(folder: Path, articles: Sequence[Article]) -> None:
    """One segment's articles: their JSON lines, offsets, dates and headlines, and for
    each of its passages (in order) the article and position it has."""
    folder.mkdir(parents=True, exist_ok=True)
    offsets = [0]
    with (folder / ARTICLES).open("wb") as lines:
        for article in articles:
            offsets.append(offsets[-1] + lines.write(article_line(article)))
    counts = [len(a.passages) for a in articles]
    columns = {
        "article_offsets": offsets,
        "passage_article": np.repeat(np.arange(len(articles)), counts),
        "passage_position": np.concatenate([np.arange(c) for c in counts] or [[]]),
        "article_dates": [date_ordinal(a.date) for a in articles],
    }
    for name, dtype in STORE_ARRAYS.items():
        np.save(folder / f"{name}.npy", np.asarray(columns[name], dtype=dtype))
    headlines = [[a.id, a.headline] for a in articles]
    (folder / HEADLINES).write_text(json.dumps(headlines, ensure_ascii=False), "utf-8")


def _iso_dates(span: tuple[dt.date, dt.date] | None) -> list[str] | None:
    return [d.isoformat() for d in span] if span else None
