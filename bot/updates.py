"""Keeping an index folder current with its corpus folder without rebuilding it.

An update reads only the files that changed since the index was written (by size and
modification time, then by content hash when those differ), and publishes a new
generation that shares the old segments (hard links) and adds ONE segment with the
articles of the files read, plus deletions for the articles those files held before.
Articles merge across files (a teaser in one page, the full text in another), so the
files read are the changed ones and those that share an article, or a headline, with
them, or that repeat text first seen in one of their articles (left out while that
article has it, and back once it is gone). What is not read again: a passage that a new
or edited file repeats word for word from an unrelated article of an unchanged file is
kept in both until a full rebuild (which keeps the first).

:func:`merge_segments` folds the segments into one, dropping what was deleted, at the
level of postings (no text is tokenised again); an update that leaves more than
:data:`MAX_SEGMENTS` segments runs it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bot.answer import passage_terms
from bot.corpus import Article, LoadWarning
from bot.corpus.loader import coverage_files, parse_files
from bot.corpus.merge import headline_key, merge_with_sources
from bot.corpus.records import Corpus
from bot.corpus.structure import ParsedArticle
from bot.index import BM25Index, Segment, pack_words, segment_name
from bot.index_folder import (
    ARTICLES,
    FILES_TABLE,
    HEADLINES,
    SEGMENT_FILES,
    SEGMENTS,
    STORE_ARRAYS,
    IndexLoadError,
    building,
    current_generation,
    locked,
)
from bot.index_writer import (
    Progress,
    finish_generation,
    index_corpus,
    no_progress,
    write_segment_articles,
)
from bot.integrity import read_manifest
from bot.json_input import read_json
from bot.store import StoredCorpus, _read_index, corpus_fingerprint

MAX_SEGMENTS = 10
"""More segments than this after an update and they are merged into one."""


class NothingLeftError(IndexLoadError):
    """An update that would leave the index with no passage: the old one stays."""


@dataclass(frozen=True)
class UpdateReport:
    """What an update did: the files it read (relative to the corpus), the articles it
    added, replaced and removed, and how many segments the index has now."""

    files_read: tuple[str, ...] = ()
    added: int = 0
    updated: int = 0
    removed: int = 0
    segments: int = 1
    merged: bool = False
    warnings: tuple[LoadWarning, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.files_read or self.added or self.updated or self.removed)


def file_table(corpus: Path, hashed: bool = False) -> dict[str, dict[str, Any]]:
    """Each coverage file's size and modification time (and, when ``hashed``, content
    hash), by its path in the corpus; taken before the files are read, so that a file
    changed meanwhile is read again next time."""
    root, files = _corpus_files(corpus)
    table = {}
    for file in files:
        try:
            stat = file.stat()
            digest = _sha256(file) if hashed else None
        except OSError:  # unreadable, or deleted since the folder was listed: the loader
            continue  # skips it, saying why; an update reads it once it can be, as added
        entry = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": digest}
        table[file.relative_to(root).as_posix()] = entry
    return table


def with_articles(
    table: dict[str, dict[str, Any]], sources: dict[str, list[str]]
) -> dict[str, dict[str, Any]]:
    """The files' table with the ids of the articles each file contributed to."""
    return {path: {**entry, "articles": sources.get(path, [])} for path, entry in table.items()}


def _corpus_files(corpus: Path) -> tuple[Path, list[Path]]:
    if corpus.is_file():
        return corpus.parent, [corpus]
    return corpus, coverage_files(corpus)


def _sha256(path: Path) -> str:
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def update_index(
    folder: Path, corpus_path: Path | None = None, progress: Progress = no_progress
) -> UpdateReport:
    """Bring the index folder ``folder`` up to date with its corpus (the one it records,
    or ``corpus_path``), reading only the files that changed; IndexLoadError when the
    folder cannot be used or another build holds it (the old generation keeps
    answering), NothingLeftError when no text would be left. ``progress`` is told of the
    new passages as they are tokenised."""
    with locked(folder) as folder:
        generation = current_generation(folder)
        index, stored = _read_index(generation)
        manifest = read_manifest(generation)
        corpus = corpus_path or Path(manifest["corpus_path"])
        old_table = _read_table(generation)
        fingerprint = corpus_fingerprint(corpus)
        root, _ = _corpus_files(corpus)
        table = file_table(corpus)
        changed = _changed_files(root, old_table, table)
        removed = sorted(set(old_table) - set(table))
        if (
            not changed
            and not removed
            and table.keys() == old_table.keys()
            and all(table[p]["mtime_ns"] == old_table[p]["mtime_ns"] for p in table)
        ):
            return UpdateReport(segments=len(index.segments))
        report = _apply(
            folder,
            generation,
            index,
            stored,
            manifest,
            root,
            table,
            old_table,
            changed,
            removed,
            fingerprint,
            progress,
        )
    if report.segments > MAX_SEGMENTS:
        merge_segments(folder)
        report = UpdateReport(**{**vars(report), "segments": 1, "merged": True})
    return report


def _read_table(generation: Path) -> dict[str, dict[str, Any]]:
    """The files' table of a generation (verified with it)."""
    table = read_json((generation / FILES_TABLE).read_text("utf-8"))
    if not isinstance(table, dict):
        raise IndexLoadError(f"{generation / FILES_TABLE} is not a table of files")
    return table


def _changed_files(
    root: Path, old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]]
) -> list[str]:
    """Files added, or whose content differs from what was indexed; a file whose size
    and time changed but whose content hash is the one recorded keeps its articles."""
    changed = []
    for path, entry in new.items():
        before = old.get(path)
        if before is None:
            changed.append(path)
            continue
        entry["articles"] = before.get("articles", [])
        entry["sha256"] = before.get("sha256")
        if (entry["size"], entry["mtime_ns"]) == (before.get("size"), before.get("mtime_ns")):
            continue
        try:
            digest = _sha256(root / path)
        except OSError:  # read below, where the loader says why it cannot be
            changed.append(path)
            continue
        if digest != before.get("sha256"):
            changed.append(path)
        entry["sha256"] = digest
    return changed


def _apply(
    folder: Path,
    generation: Path,
    index: BM25Index,
    stored: StoredCorpus,
    manifest: dict[str, Any],
    root: Path,
    table: dict[str, dict[str, Any]],
    old_table: dict[str, dict[str, Any]],
    changed: list[str],
    removed: list[str],
    fingerprint: str,
    progress: Progress,
) -> UpdateReport:
    """Read the affected files and publish the new generation."""
    live_ids = stored.ids()
    slot_of = dict(zip(live_ids, stored.articles.slots.tolist(), strict=True))
    affected, parsed_by_file, warnings = _read_affected(
        root, stored, table, old_table, set(changed) | set(removed)
    )
    old_ids = {a for p in affected for a in old_table.get(p, {}).get("articles", [])}
    old_ids &= slot_of.keys()
    parsed = [a for path in sorted(parsed_by_file) for a in parsed_by_file[path]]
    articles, sources = merge_with_sources(parsed, taken=set(live_ids) - old_ids)
    if len(stored.articles) == len(old_ids) and not articles:
        raise NothingLeftError(
            f"the corpus at {root} has no articles with text, so there is nothing to answer "
            "from; add .txt, .md, .jsonl or .html files to it"
        )
    for path in affected & table.keys():
        table[path]["articles"] = sources.get(path, [])

    dead_articles = sorted(slot_of[a] for a in old_ids)
    dead_passages = _passages_of(stored, dead_articles)
    new_corpus = Corpus(articles)
    segment = index_corpus(new_corpus, 1, progress).segments[0] if articles else None
    histogram = _updated_histogram(index, stored, dead_passages, segment)
    deleted = np.union1d(index.deleted, np.asarray(dead_passages, np.int64)).astype(np.int64)
    article_deleted = np.union1d(
        np.flatnonzero(~stored.articles.live), np.asarray(dead_articles, np.int64)
    ).astype(np.int64)

    names = [s["name"] for s in manifest["segments"]]
    counts = [s["articles"] for s in manifest["segments"]]
    segments = list(index.segments)
    if segment is not None:
        names.append(segment_name(manifest.get("next_segment", len(names))))
        counts.append(len(articles))
        segments.append(segment)
    new_index = BM25Index(segments, deleted, histogram, index.parameters)
    with building(folder) as staging:
        linked = _link_segments(generation, staging, names[: len(manifest["segments"])], manifest)
        if segment is not None:
            write_segment_articles(staging / SEGMENTS / names[-1], articles)
        kept_dates = _date_range(stored, old_ids, articles)
        finish_generation(
            staging,
            new_index,
            names,
            counts,
            article_deleted,
            table,
            {
                "corpus_path": manifest["corpus_path"],
                "corpus_fingerprint": fingerprint,
                "dates": kept_dates,
            },
            linked,
        )
    new_ids = {a.id for a in articles}
    return UpdateReport(
        files_read=tuple(sorted(parsed_by_file)),
        added=len(new_ids - old_ids),
        updated=len(old_ids & new_ids),
        removed=len(old_ids - new_ids),
        segments=len(names),
        warnings=tuple(warnings),
    )


def _read_affected(
    root: Path,
    stored: StoredCorpus,
    table: dict[str, dict[str, Any]],
    old_table: dict[str, dict[str, Any]],
    changed: set[str],
) -> tuple[set[str], dict[str, list[ParsedArticle]], list[LoadWarning]]:
    """The files whose articles are replaced (the changed ones, and those that share an
    article or a headline with them, since articles merge across files), the articles
    of those still there as parsed, and what could not be read."""
    files_of: dict[str, list[str]] = {}
    for path, entry in old_table.items():
        for article_id in entry.get("articles", []):
            files_of.setdefault(article_id, []).append(path)
    by_key: dict[str, list[str]] = {}
    for article_id, headline in zip(stored.ids(), stored.headlines(), strict=True):
        by_key.setdefault(headline_key(headline), []).append(article_id)
    affected: set[str] = set()
    warnings: list[LoadWarning] = []
    parsed_by_file: dict[str, list[ParsedArticle]] = {}
    pending = set(changed)
    while pending:
        affected |= pending
        # Every file of every article a file held (or repeated text of) is read with it,
        # and so on: each article whose ids are replaced is read again from all its files.
        pending = {
            other
            for path in pending
            for article_id in old_table.get(path, {}).get("articles", [])
            for other in files_of.get(article_id, [])
        } - affected
        if pending:
            continue
        to_read = sorted(p for p in affected if p in table and p not in parsed_by_file)
        for path in to_read:
            try:
                table[path]["sha256"] = _sha256(root / path)  # before reading it, as its stat
            except OSError:  # the loader skips it, saying why; it is read as new once the
                # file changes or the index is rebuilt (a chmod alone changes no fingerprint)
                del table[path]
            parsed_by_file[path] = parse_files(root, [root / path], warnings)
        pending = set()
        for path in to_read:
            for article in parsed_by_file[path]:
                for article_id in by_key.get(headline_key(article.headline), []):
                    pending.update(f for f in files_of.get(article_id, []) if f not in affected)
    return affected, parsed_by_file, warnings


def _passages_of(stored: StoredCorpus, article_slots: Iterable[int]) -> list[int]:
    """The passage slots (numbered across segments) of the articles in ``article_slots``."""
    slots = []
    for article_slot in article_slots:
        part, number = stored.articles.locate(article_slot)
        at = stored.articles.parts.index(part)
        start, end = part.passages_of(number)
        base = int(stored.passages.bases[at])
        slots.extend(range(base + start, base + end))
    return slots


def _updated_histogram(
    index: BM25Index, stored: StoredCorpus, dead_passages: list[int], segment: Segment | None
) -> np.ndarray:
    """The document-frequency histogram after the update: only the terms of the removed
    passages (tokenised again from their stored text) and of the new segment move."""
    removed: Counter[str] = Counter()
    numbers = np.searchsorted(stored.passages.slots, np.asarray(dead_passages, np.int64))
    for number in numbers.tolist():
        removed.update(set(passage_terms(stored.passages[number])))
    added: Counter[str] = Counter()
    if segment is not None:
        added.update(dict(zip(segment.words(), np.diff(segment.indptr).tolist(), strict=True)))
    pairs = index.histogram.reshape(-1, 2).tolist()
    counts = Counter({int(df): int(n) for df, n in pairs})
    for term in removed.keys() | added.keys():
        before = index.document_frequency(term)
        after = before - removed[term] + added[term]
        if before > 0:
            counts[before] -= 1
        if after > 0:
            counts[after] += 1
    pairs = [value for df, n in sorted(counts.items()) if n > 0 for value in (df, n)]
    return np.asarray(pairs, dtype=np.int64)


def _date_range(
    stored: StoredCorpus, removed_ids: set[str], articles: Iterable[Article]
) -> list[str] | None:
    """The first and last dates of the dated articles after the update."""
    ids = stored.ids()
    kept = [int(d) for i, d in zip(ids, stored.dates.tolist(), strict=True) if i not in removed_ids]
    kept += [a.date.toordinal() for a in articles if a.date]
    kept = [d for d in kept if d > 0]
    if not kept:
        return None
    return [dt.date.fromordinal(min(kept)).isoformat(), dt.date.fromordinal(max(kept)).isoformat()]


def _link_segments(
    old: Path, staging: Path, names: list[str], manifest: dict[str, Any]
) -> dict[str, int]:
    """The last generation's segments put in the new one as hard links (copies where the
    file system has none); their recorded checksums come back."""
    linked = {}
    for name in names:
        (staging / SEGMENTS / name).mkdir(parents=True)
        for file in SEGMENT_FILES:
            where = f"{SEGMENTS}/{name}/{file}"
            try:
                os.link(old / where, staging / where)
            except OSError:
                shutil.copy2(old / where, staging / where)
            linked[where] = manifest["checksums"][where]
    return linked


def merge_segments(folder: Path) -> bool:
    """Fold the index's segments into one, dropping deleted passages and articles, and
    publish it as a new generation (the old one answers until then). False when there
    was nothing to fold."""
    with locked(folder) as folder:
        generation = current_generation(folder)
        index, stored = _read_index(generation)
        manifest = read_manifest(generation)
        if len(index.segments) == 1 and not len(index.deleted):
            return False
        segment = _merged_segment(index)
        merged = BM25Index([segment], parameters=index.parameters)
        name = segment_name(manifest.get("next_segment", len(index.segments)))
        with building(folder) as staging:
            _write_live_articles(stored, staging / SEGMENTS / name)
            finish_generation(
                staging,
                merged,
                [name],
                [len(stored.articles)],
                np.zeros(0, np.int64),
                _read_table(generation),
                {
                    key: manifest[key]
                    for key in ("corpus_path", "corpus_fingerprint", "dates")
                    if key in manifest
                },
            )
    return True


def _merged_segment(index: BM25Index) -> Segment:
    """One segment of the live passages of all, renumbered in order, from the postings."""
    vocabularies = [segment.words() for segment in index.segments]
    union = sorted(set().union(*vocabularies))
    row_of = {word: n for n, word in enumerate(union)}
    number_of_slot = np.cumsum(index.live, dtype=np.int64) - 1
    terms, docs, tfs = [], [], []
    for segment, words, base in zip(
        index.segments, vocabularies, index.bases.tolist(), strict=False
    ):
        rows = np.fromiter(map(row_of.__getitem__, words), np.int64, len(words))
        term_of = np.repeat(rows, np.diff(segment.indptr))
        slots = segment.docs.astype(np.int64) + base
        keep = index.live[slots]
        terms.append(term_of[keep])
        docs.append(number_of_slot[slots[keep]])
        tfs.append(np.asarray(segment.tf)[keep])
    term_of = np.concatenate(terms)
    order = np.argsort(term_of, kind="stable")  # segments are in passage order already
    by_term = np.bincount(term_of, minlength=len(union))
    # Terms left with no live passage are dropped from the vocabulary.
    present = by_term > 0
    indptr = np.zeros(int(present.sum()) + 1, dtype=np.int64)
    np.cumsum(by_term[present], out=indptr[1:])
    blob, offsets, prefixes = pack_words(
        [w for w, p in zip(union, present.tolist(), strict=True) if p]
    )
    lengths = np.concatenate([s.lengths for s in index.segments])[index.live]
    return Segment(
        blob,
        offsets,
        prefixes,
        indptr,
        np.concatenate(docs)[order].astype(np.int32),
        np.concatenate(tfs)[order].astype(np.int32),
        lengths.astype(np.int32),
    )


def _write_live_articles(stored: StoredCorpus, folder: Path) -> None:
    """The live articles' lines copied as they are, in order, with their columns
    (a segment with nothing removed is copied whole)."""
    folder.mkdir(parents=True)
    articles = stored.articles
    number_of_slot = np.cumsum(articles.live, dtype=np.int64) - 1
    sizes, dates, headlines, passage_article, passage_position = [], [], [], [], []
    with (folder / ARTICLES).open("wb") as lines:
        for part, base in zip(articles.parts, articles.bases.tolist(), strict=False):
            count = len(part.offsets) - 1
            live = articles.live[base : base + count]
            offsets = np.asarray(part.offsets, dtype=np.int64)
            if live.all():
                with (part.generation / part.where / ARTICLES).open("rb") as whole:
                    shutil.copyfileobj(whole, lines)
            else:
                for local in np.flatnonzero(live).tolist():
                    lines.write(part.line(local))
            sizes.append(np.diff(offsets)[live])
            dates.append(np.asarray(part.dates)[live])
            headlines += [
                pair for pair, kept in zip(part.headlines, live.tolist(), strict=True) if kept
            ]
            of_passage = np.asarray(part.passage_article, dtype=np.int64)
            kept = live[of_passage]
            passage_article.append(number_of_slot[base + of_passage[kept]])
            passage_position.append(np.asarray(part.passage_position)[kept])
    offsets = np.zeros(len(headlines) + 1, dtype=np.int64)
    np.cumsum(np.concatenate(sizes), out=offsets[1:])
    columns = {
        "article_offsets": offsets,
        "passage_article": np.concatenate(passage_article),
        "passage_position": np.concatenate(passage_position),
        "article_dates": np.concatenate(dates),
    }
    for name, dtype in STORE_ARRAYS.items():
        np.save(folder / f"{name}.npy", np.asarray(columns[name], dtype=dtype))
    (folder / HEADLINES).write_text(json.dumps(headlines, ensure_ascii=False), "utf-8")
