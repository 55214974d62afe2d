"""A persisted index folder: the BM25 arrays plus the articles, read from disk on demand.

``coverage-bot index`` writes it (one segment, with :mod:`bot.index_writer`);
:mod:`bot.updates` adds segments; the bot, ``ask`` and ``chat`` load it without reading
or tokenising the corpus again. Each segment keeps its articles as JSON lines found by
offset; a passage number maps to its article and position through two memory-mapped
arrays, and a third holds the articles' dates (a story summary picks the newest articles
by them without reading the rest); only the headlines are held in memory (for listing
and autocomplete). Articles and passages an update removed are skipped, so the live ones
are numbered densely, as the index numbers them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import weakref
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, overload

import numpy as np

from bot.corpus import Article, Passage, PassageKind, PassageRef
from bot.corpus.loader import coverage_files
from bot.corpus.records import matching_articles, newest_first
from bot.index import BM25Index
from bot.index_folder import (
    ARTICLES,
    HEADLINES,
    MANIFEST,
    SEGMENTS,
    IndexFolderError,
    IndexLoadError,
    corpus_path_problem,
    current_generation,
    damaged,
    reading,
    rebuild_hint,
    recorded_corpus,
)
from bot.integrity import check_fields, read_manifest, verify_index
from bot.json_input import read_json

_ARTICLE_CACHE = 4096


def corpus_fingerprint(path: Path) -> str:
    """A hash of the corpus files' names, sizes and modification times: cheap to take at
    every start, and it changes whenever a file is added, removed or edited."""
    files = [path] if path.is_file() else coverage_files(path)
    root = path.parent if path.is_file() else path
    digest = hashlib.sha256()
    for file in files:
        try:
            stat = file.stat()
        except OSError:  # deleted since the folder was listed: as if before
            continue
        digest.update(
            f"{file.relative_to(root).as_posix()}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode()
        )
    return digest.hexdigest()


def article_line(article: Article) -> bytes:
    """An article as its line in a segment's articles file (read back by
    :func:`_article_from_line`; the two are the file's format)."""
    record = {
        "id": article.id,
        "headline": article.headline,
        "date": article.date.isoformat() if article.date else None,
        "updated": article.updated,
        "caption": article.caption,
        "source": article.source,
        "url": article.url,
        "passages": [
            [p.text, p.kind.value, p.label, p.lead_in, p.attribution] for p in article.passages
        ],
    }
    return (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")


def _article_from_line(line: bytes) -> Article:
    record = read_json(line)
    return Article(
        id=record["id"],
        headline=record["headline"],
        passages=tuple(
            Passage(text, PassageKind(kind), label, lead_in, attribution)
            for text, kind, label, lead_in, attribution in record["passages"]
        ),
        date=dt.date.fromisoformat(record["date"]) if record["date"] else None,
        updated=record["updated"],
        caption=record["caption"],
        source=record["source"],
        url=record["url"],
    )


class ArticleReadError(IndexLoadError):
    """An article of an index folder that cannot be read when a question needs it (the
    folder changed after it was loaded): that question fails, the next may not."""


class SegmentArticles:
    """One segment's articles on disk, each read when asked for, and its passage columns."""

    def __init__(self, generation: Path, name: str) -> None:
        self.generation, self.where = generation, f"{SEGMENTS}/{name}"
        folder = generation / SEGMENTS / name
        self.offsets = np.load(folder / "article_offsets.npy", mmap_mode="r")
        self.passage_article = np.load(folder / "passage_article.npy", mmap_mode="r")
        self.passage_position = np.load(folder / "passage_position.npy", mmap_mode="r")
        self.dates = np.load(folder / "article_dates.npy", mmap_mode="r")
        self.headlines = _headlines(generation, self.where, len(self.offsets) - 1)
        self.descriptor = os.open(folder / ARTICLES, os.O_RDONLY)
        weakref.finalize(self, os.close, self.descriptor)  # only once it was opened

    def line(self, number: int) -> bytes:
        start, end = int(self.offsets[number]), int(self.offsets[number + 1])
        return os.pread(self.descriptor, end - start, start)

    def read(self, number: int) -> Article:
        try:
            return _article_from_line(self.line(number))
        except (OSError, ValueError, KeyError, TypeError) as error:
            why = f"article {number} cannot be read ({type(error).__name__}: {error})"
            where = f"{self.where}/{ARTICLES}"
            raise ArticleReadError(str(damaged(self.generation, where, why))) from error

    def passages_of(self, number: int) -> tuple[int, int]:
        """The range of the segment's passages that article ``number`` has."""
        column = self.passage_article
        return int(np.searchsorted(column, number)), int(np.searchsorted(column, number, "right"))


class StoredArticles(Sequence[Article]):
    """The live articles of an index folder's segments, each read from disk when first
    asked for. An article's slot is its number across all segments, removed ones too."""

    def __init__(self, parts: list[SegmentArticles], deleted: np.ndarray) -> None:
        self.parts = parts
        counts = [len(p.offsets) - 1 for p in parts]
        self.bases = np.concatenate([[0], np.cumsum(counts, dtype=np.int64)]).astype(np.int64)
        live = np.ones(int(self.bases[-1]), dtype=bool)
        live[deleted] = False
        self.live = live
        self.slots = np.flatnonzero(live)
        self._read = lru_cache(maxsize=_ARTICLE_CACHE)(self._read_slot)

    def locate(self, slot: int) -> tuple[SegmentArticles, int]:
        """The segment holding article ``slot``, and its number there."""
        at = int(np.searchsorted(self.bases, slot, side="right")) - 1
        return self.parts[at], slot - int(self.bases[at])

    def _read_slot(self, slot: int) -> Article:
        part, number = self.locate(slot)
        return part.read(number)

    def by_slot(self, slot: int) -> Article:
        return self._read(slot)

    def __len__(self) -> int:
        return len(self.slots)

    @overload
    def __getitem__(self, number: int) -> Article: ...
    @overload
    def __getitem__(self, number: slice) -> list[Article]: ...
    def __getitem__(self, number: int | slice) -> Article | list[Article]:
        if isinstance(number, slice):
            return [self[i] for i in range(*number.indices(len(self)))]
        if not -len(self) <= number < len(self):
            raise IndexError(number)
        return self._read(int(self.slots[number % len(self)]))


class StoredPassages(Sequence[PassageRef]):
    """Live passage number -> PassageRef, through each segment's article and position
    columns; numbers skip the passages of removed articles, as the index does."""

    def __init__(self, articles: StoredArticles, deleted: np.ndarray) -> None:
        self._articles = articles
        counts = [len(p.passage_article) for p in articles.parts]
        self.bases = np.concatenate([[0], np.cumsum(counts, dtype=np.int64)]).astype(np.int64)
        live = np.ones(int(self.bases[-1]), dtype=bool)
        live[deleted] = False
        self.slots = np.flatnonzero(live)

    def __len__(self) -> int:
        return len(self.slots)

    def __getitem__(self, number: int) -> PassageRef:  # type: ignore[override]
        if not 0 <= number < len(self):
            raise IndexError(number)
        slot = int(self.slots[number])
        at = int(np.searchsorted(self.bases, slot, side="right")) - 1
        part, local = self._articles.parts[at], slot - int(self.bases[at])
        article_slot = int(self._articles.bases[at]) + int(part.passage_article[local])
        article = self._articles.by_slot(article_slot)
        position = int(part.passage_position[local])
        if position >= len(article.passages):
            why = f"passage {number} is beyond the end of article {article.id}"
            raise ArticleReadError(str(damaged(part.generation, f"{part.where}/{ARTICLES}", why)))
        return PassageRef(number, article, position)

    def __iter__(self) -> Iterator[PassageRef]:
        return (self[n] for n in range(len(self)))


class StoredCorpus:
    """A corpus read from an index folder; it answers what :class:`Corpus` answers."""

    def __init__(self, folder: Path, manifest: dict[str, Any]) -> None:
        self.folder = folder
        parts = [SegmentArticles(folder, s["name"]) for s in manifest["segments"]]
        deleted_articles = np.load(folder / "deleted_articles.npy", mmap_mode="r")
        deleted_passages = np.load(folder / "deleted_passages.npy", mmap_mode="r")
        self.articles = StoredArticles(parts, deleted_articles)
        self.passages = StoredPassages(self.articles, deleted_passages)
        slots = self.articles.slots
        self._headlines = [pair for p in parts for pair in p.headlines]
        self._headlines = [self._headlines[s] for s in slots.tolist()]
        dates = np.concatenate([np.asarray(p.dates) for p in parts] or [np.zeros(0, np.int32)])
        self.dates = dates[slots]
        recorded = manifest.get("dates")
        self.date_range: tuple[dt.date, dt.date] | None = None
        if recorded is not None:
            first, last = (dt.date.fromisoformat(d) for d in recorded)
            self.date_range = (first, last)

    def newest_articles(self, count: int) -> list[int]:
        """As :meth:`Corpus.newest_articles`, from the articles' dates on disk."""
        return newest_first(self.dates, count)

    def headlines(self) -> list[str]:
        """As :meth:`Corpus.headlines`, from memory: no article is read."""
        return [headline for _, headline in self._headlines]

    def ids(self) -> list[str]:
        """Every live article's id, from memory."""
        return [article_id for article_id, _ in self._headlines]

    def find_articles(self, words: str, limit: int | None = None) -> list[Article]:
        """As :meth:`Corpus.find_articles`, over the headlines held in memory."""
        return [self.articles[n] for n in matching_articles(self._headlines, words)[:limit]]


def _headlines(generation: Path, where: str, articles: int) -> list[list[str]]:
    """Each of a segment's articles' id and headline, held in memory for listing and
    autocomplete."""
    name = f"{where}/{HEADLINES}"
    try:
        headlines = read_json((generation / name).read_text("utf-8"))
    except ValueError as error:
        raise damaged(generation, name, f"it is not readable JSON ({error})") from error
    if not isinstance(headlines, list) or len(headlines) != articles:
        raise damaged(generation, name, "the headlines do not match the articles")
    if not all(
        isinstance(pair, list) and len(pair) == 2 and all(isinstance(t, str) for t in pair)
        for pair in headlines
    ):
        raise damaged(generation, name, "a headline is not an id and a headline")
    return headlines


def indexed_corpus(folder: Path) -> Path | None:
    """The corpus the index in ``folder`` was built from, if the folder says so sensibly."""
    try:
        return recorded_corpus(current_generation(folder))
    except IndexLoadError:
        return None


def outdated(folder: Path) -> str | None:
    """Why the index in ``folder`` is older than its corpus (files were added, removed or
    changed since it was built), with the command that rebuilds it; None when it is not,
    or when its corpus is no longer there to compare."""
    try:
        manifest = reading(folder, read_manifest)
    except IndexLoadError:
        return None
    corpus_path = manifest.get("corpus_path")
    if corpus_path_problem(corpus_path) is not None or not Path(corpus_path).exists():
        return None
    try:
        if manifest.get("corpus_fingerprint") == corpus_fingerprint(Path(corpus_path)):
            return None
    except OSError:  # the corpus cannot be read to compare: the index is all there is
        return None
    return (
        f"the index at {folder} is older than its corpus at {corpus_path} (files were "
        f"added, removed or changed since it was built); {rebuild_hint(folder, corpus_path)}"
    )


def refuse_corpus_as_out(out: Path, corpus: Path) -> None:
    """IndexFolderError when the index would be written over the corpus or a folder that
    holds it. (An index inside its corpus folder is allowed: the loader passes it over.)"""
    target, source = out.resolve(), corpus.resolve()
    if target == source:
        raise IndexFolderError(
            f"refusing to write the index to {target}: it is the corpus; "
            "choose a new folder for the index"
        )
    if target in source.parents:
        raise IndexFolderError(
            f"refusing to write the index to {target}: it holds the corpus at {source}; "
            "choose a new folder for the index"
        )


def load_index(folder: Path, corpus: Path | None = None) -> tuple[BM25Index, StoredCorpus]:
    """The index and corpus in the index folder ``folder`` (see :func:`outdated` for
    whether its corpus has changed since); IndexLoadError when it is missing, damaged or
    built by other rules, saying how to rebuild it (from ``corpus`` if the folder does
    not say which)."""
    return reading(folder, _read_index, corpus)


def _read_index(folder: Path) -> tuple[BM25Index, StoredCorpus]:
    """The index and corpus whose files are in ``folder`` (one generation)."""
    manifest = read_manifest(folder)
    _check_store_manifest(folder, manifest)
    verify_index(folder, manifest)  # every file against its checksum and bounds, unmapped
    index = BM25Index.read(folder)
    try:
        corpus = StoredCorpus(folder, manifest)
    except OSError as error:  # verified a moment ago: the folder changed, or the disk failed
        file = Path(error.filename) if error.filename else Path("a file")
        name = file.relative_to(folder).as_posix() if file.is_relative_to(folder) else file.name
        raise damaged(folder, name, error.strerror or str(error)) from error
    return index, corpus  # verify_index made the passages as many as the index's documents


def _check_store_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    """The manifest's facts about the corpus: present, and of their types."""
    fields = {"corpus_path": str, "corpus_fingerprint": str, "articles": int, "checksums": dict}
    check_fields(folder, manifest, fields)
    recorded = manifest["corpus_path"]
    problem = corpus_path_problem(recorded)
    if problem is not None:
        raise damaged(folder, MANIFEST, f"corpus_path {recorded!r} is {problem}")
    dates = manifest.get("dates")
    if dates is not None and not (
        isinstance(dates, list) and len(dates) == 2 and all(_is_iso_date(d) for d in dates)
    ):
        raise damaged(folder, MANIFEST, "dates are not null or two ISO dates")


def _is_iso_date(value: object) -> bool:
    try:
        dt.date.fromisoformat(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return True
