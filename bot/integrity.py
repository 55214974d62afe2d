"""Whether an index folder is whole and sane, checked before it is memory-mapped: its
manifest (format, analyzer, fields and their types), then every file it lists.

A damaged folder (a truncated array, a flipped byte, an edited line, arrays from another
build) would otherwise fail at question time or, worse, answer wrongly. The build records
a CRC-32 of every file in the manifest; loading reads each file once, in chunks (the bytes
go through the page cache, not into the process's memory), and checks its checksum, its
array header and the bounds the search relies on (postings point at passages that exist,
weights are finite, offsets run in order to the end of what they index).
"""

from __future__ import annotations

import json
import math
import os
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from bot.analysis import ANALYZER_NAME
from bot.index_folder import (
    ARRAY_DTYPES,
    ARTICLES,
    FILES_TABLE,
    FORMAT_VERSION,
    HEADLINES,
    MANIFEST,
    SEGMENTS,
    STATE_DTYPES,
    IndexFormatError,
    check_regular,
    damaged,
    located,
    segment_files,
)
from bot.json_input import read_json

_CHUNK_BYTES = 1 << 24

_ORDERED = {
    "deleted_passages.npy",
    "deleted_articles.npy",
    "vocabulary_offsets.npy",
    "vocabulary_prefixes.npy",
    "indptr.npy",
    "article_offsets.npy",
}
_WITH_RANGE = {
    "vocabulary_offsets.npy",
    "indptr.npy",
    "postings_docs.npy",
    "postings_tf.npy",
    "passage_lengths.npy",
    "deleted_passages.npy",
    "deleted_articles.npy",
    "article_offsets.npy",
    "passage_article.npy",
    "passage_position.npy",
}
_HEADER_READERS = {
    (1, 0): np.lib.format.read_array_header_1_0,
    (2, 0): np.lib.format.read_array_header_2_0,
}


class Damage(ValueError):
    """What is wrong with one file of an index folder."""

    def __init__(self, file: str, why: str) -> None:
        super().__init__(f"{file}: {why}")
        self.file, self.why = file, why


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest in ``folder`` (one generation), checked against these rules, once
    every file of the generation is known to be a regular file."""
    check_regular(folder, (MANIFEST,))
    try:
        manifest = read_json((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise damaged(folder, MANIFEST, "it is missing") from error
    except (OSError, ValueError) as error:
        raise damaged(folder, MANIFEST, "it is not readable JSON") from error
    if not isinstance(manifest, dict):
        raise damaged(folder, MANIFEST, "it is not a JSON object")
    built = (manifest.get("format"), manifest.get("analyzer"))
    if built != (FORMAT_VERSION, ANALYZER_NAME):
        raise IndexFormatError(
            f"the index at {located(folder, MANIFEST)[0]} was built by format {built[0]} with "
            f"analyzer {built[1]}, but this version reads format {FORMAT_VERSION} with "
            f"{ANALYZER_NAME}"
        )
    check_fields(folder, manifest, {"parameters": dict, "documents": int, "postings": int})
    _check_segments(folder, manifest)
    check_regular(folder, segment_files(manifest))
    parameters = manifest["parameters"]
    if set(parameters) != {"k1", "b", "epsilon"} or not all(
        _is_number(value) for value in parameters.values()
    ):
        raise damaged(folder, MANIFEST, "parameters are not k1, b and epsilon as numbers")
    if parameters["k1"] < 0 or not 0 <= parameters["b"] <= 1 or parameters["epsilon"] < 0:
        raise damaged(folder, MANIFEST, f"parameters {parameters} are out of BM25's range")
    return manifest


_SEGMENT_NAME = re.compile(r"segment-[0-9]{6}")


def _check_segments(folder: Path, manifest: dict[str, Any]) -> None:
    """The manifest's list of segments: names coverage-bot gives, each once, with counts."""
    segments = manifest.get("segments")
    fields = ("documents", "postings", "articles")
    if not isinstance(segments, list) or not all(
        isinstance(s, dict)
        and isinstance(s.get("name"), str)
        and _SEGMENT_NAME.fullmatch(s["name"])
        and all(type(s.get(f)) is int and s[f] >= 0 for f in fields)
        for s in segments
    ):
        raise damaged(folder, MANIFEST, "segments are not a list of named segments with counts")
    if len({s["name"] for s in segments}) != len(segments):
        raise damaged(folder, MANIFEST, "a segment is listed twice")


_KINDS = {int: "a whole number from 0", str: "a string", dict: "a JSON object"}


def check_fields(folder: Path, manifest: dict[str, Any], fields: dict[str, type]) -> None:
    """IndexLoadError unless each of ``fields`` is in the manifest with its type."""
    for name, kind in fields.items():
        value = manifest.get(name)
        fits = type(value) is int and value >= 0 if kind is int else isinstance(value, kind)
        if not fits:
            shown = json.dumps(value)
            shown = shown if len(shown) <= 40 else shown[:39] + "…"
            raise damaged(folder, MANIFEST, f"{name} is {shown}, not {_KINDS[kind]}")


def _is_number(value: object) -> bool:
    return type(value) in (int, float) and math.isfinite(value)  # type: ignore[arg-type]


def write_checksums(folder: Path, known: dict[str, int] | None = None) -> None:
    """Record the CRC-32 of every file of the index in ``folder`` (a staging folder) in
    its manifest; ``known`` ones (of segments linked from the last generation, checked
    when it was read) are taken as they are."""
    manifest_path = folder / MANIFEST
    manifest = read_json(manifest_path.read_text(encoding="utf-8"))
    known = known or {}
    manifest["checksums"] = {
        name: known[name] if name in known else file_crc32(folder / name)
        for name in segment_files(manifest)
    }
    manifest_path.write_text(json.dumps(manifest, indent=2), encoding="utf-8")


def file_crc32(path: Path) -> int:
    """The CRC-32 of a file, read in chunks."""
    with path.open("rb") as stream:
        return _scan(stream, lambda _: None)


def _scan(stream: BinaryIO, each: Callable[[memoryview], None], crc: int = 0) -> int:
    """The CRC-32 of the rest of ``stream``, handing each chunk to ``each`` on the way."""
    buffer = bytearray(min(_CHUNK_BYTES, max(1, os.fstat(stream.fileno()).st_size)))
    view = memoryview(buffer)
    while size := stream.readinto(buffer):
        crc = zlib.crc32(view[:size], crc)
        each(view[:size])
    return crc


@dataclass
class _Column:
    """What one pass over an array found: its length, ends, extremes and order."""

    length: int = 0
    first: Any = None
    last: Any = None
    low: Any = None
    high: Any = None
    ordered: bool = True

    def add(self, values: np.ndarray, ordered: bool, ranged: bool) -> None:
        if len(values) == 0:
            return
        if ordered:
            inside = bool(np.all(values[1:] >= values[:-1]))
            self.ordered &= inside and (self.last is None or bool(values[0] >= self.last))
        if ranged:
            low, high = values.min(), values.max()  # NaN in, NaN out: caught as not finite
            self.low = low if self.low is None else min(self.low, low)
            self.high = high if self.high is None else max(self.high, high)
        if self.first is None:
            self.first = values[0]
        self.last = values[-1]
        self.length += len(values)


def _scan_array(folder: Path, name: str, recorded: int) -> _Column:
    """Check one .npy file's checksum and header, and summarise its values."""
    base = name.rsplit("/", 1)[-1]
    expected = (ARRAY_DTYPES | STATE_DTYPES)[base]
    column = _Column()
    with (folder / name).open("rb") as stream:
        if os.fstat(stream.fileno()).st_size == 0:
            raise Damage(name, "it is empty")
        try:
            read_header = _HEADER_READERS.get(np.lib.format.read_magic(stream))
            if read_header is None:
                raise ValueError("an unknown .npy version")
            shape, fortran, dtype = read_header(stream)
        except (ValueError, EOFError, SyntaxError) as error:
            raise Damage(name, f"not a numpy array ({error})") from error
        if dtype != expected or len(shape) != 1 or fortran:
            raise Damage(name, f"holds {dtype} of shape {shape}, not a column of {expected}")
        header_bytes = stream.tell()
        stream.seek(0)
        crc = zlib.crc32(stream.read(header_bytes))
        carry = b""  # an element split across two chunks

        def each(chunk: memoryview) -> None:
            nonlocal carry
            data = carry + chunk if carry else chunk
            whole = len(data) - len(data) % expected.itemsize
            carry = bytes(data[whole:])
            values = np.frombuffer(data[:whole], dtype=expected)
            column.add(values, base in _ORDERED, base in _WITH_RANGE)

        crc = _scan(stream, each, crc)
    if carry or column.length != shape[0]:
        raise Damage(name, f"has {column.length:,} values where its header says {shape[0]:,}")
    if crc != recorded:
        raise Damage(name, "its checksum does not match the one recorded at build")
    return column


def verify_index(folder: Path, manifest: dict[str, Any]) -> None:
    """Check every file of the folder against its recorded checksum, and the arrays'
    dtypes and bounds; IndexLoadError naming the folder and the first bad file."""
    try:
        _verify(folder, manifest)
    except Damage as error:
        raise damaged(folder, error.file, error.why) from error
    except OSError as error:
        raise damaged(
            folder, _inside_generation(folder, error.filename), error.strerror or str(error)
        ) from error


def _inside_generation(folder: Path, filename: str | bytes | int | None) -> str:
    """A file's path inside the generation, for messages ("segments/segment-000000/
    postings_docs.npy", not just its name, which every segment has)."""
    if not isinstance(filename, str):
        return "a file"
    path = Path(filename)
    return path.relative_to(folder).as_posix() if path.is_relative_to(folder) else path.name


def _verify(folder: Path, manifest: dict[str, Any]) -> None:
    checksums = manifest.get("checksums")
    if not isinstance(checksums, dict):
        raise Damage(MANIFEST, "it records no checksums")
    for name in segment_files(manifest):
        if not isinstance(checksums.get(name), int) or isinstance(checksums[name], bool):
            raise Damage(MANIFEST, f"it records no checksum for {name}")
    if file_crc32(folder / FILES_TABLE) != checksums[FILES_TABLE]:
        raise Damage(FILES_TABLE, "its checksum does not match the one recorded at build")
    state = {name: _scan_array(folder, name, checksums[name]) for name in STATE_DTYPES}
    slots = articles = 0
    for segment in manifest["segments"]:
        where = f"{SEGMENTS}/{segment['name']}"
        for name in (ARTICLES, HEADLINES):
            if file_crc32(folder / where / name) != checksums[f"{where}/{name}"]:
                raise Damage(f"{where}/{name}", "its checksum does not match the one recorded")
        columns = {
            name: _scan_array(folder, f"{where}/{name}", checksums[f"{where}/{name}"])
            for name in ARRAY_DTYPES
        }
        try:
            _check_bounds(columns, segment, (folder / where / ARTICLES).stat().st_size)
        except Damage as error:
            raise Damage(f"{where}/{error.file}", error.why) from error
        slots, articles = slots + segment["documents"], articles + segment["articles"]
    deleted = state["deleted_passages.npy"]
    _within(deleted, "deleted_passages.npy", deleted.length, 0, slots - 1)
    if not deleted.ordered or slots - deleted.length != manifest["documents"]:
        raise Damage("deleted_passages.npy", "the deletions do not match the passages")
    removed = state["deleted_articles.npy"]
    _within(removed, "deleted_articles.npy", removed.length, 0, articles - 1)
    if not removed.ordered or articles - removed.length != manifest.get("articles"):
        raise Damage("deleted_articles.npy", "the deletions do not match the articles")
    if state["df_histogram.npy"].length % 2:
        raise Damage("df_histogram.npy", "it is not pairs of numbers")


def _check_bounds(
    columns: dict[str, _Column], segment: dict[str, Any], articles_bytes: int
) -> None:
    """The facts the search and the article lookups rely on, each a cheap comparison."""
    documents, postings, articles = (segment[k] for k in ("documents", "postings", "articles"))
    indptr, offsets = columns["indptr.npy"], columns["vocabulary_offsets.npy"]
    terms = indptr.length - 1
    _runs(indptr, "indptr.npy", postings, "the number of postings")
    blob = columns["vocabulary_blob.npy"].length
    _runs(offsets, "vocabulary_offsets.npy", blob, "the vocabulary")
    _runs(columns["article_offsets.npy"], "article_offsets.npy", articles_bytes, ARTICLES)
    if offsets.length != indptr.length or columns["vocabulary_prefixes.npy"].length != terms:
        raise Damage("vocabulary_offsets.npy", "the vocabulary and the postings differ in terms")
    if not columns["vocabulary_prefixes.npy"].ordered:
        raise Damage("vocabulary_prefixes.npy", "the vocabulary is not sorted")
    _within(columns["postings_docs.npy"], "postings_docs.npy", postings, 0, documents - 1)
    _within(columns["postings_tf.npy"], "postings_tf.npy", postings, 1, None)
    _within(columns["passage_lengths.npy"], "passage_lengths.npy", documents, 0, None)
    _within(columns["passage_article.npy"], "passage_article.npy", documents, 0, articles - 1)
    _within(columns["passage_position.npy"], "passage_position.npy", documents, 0, None)
    if columns["article_offsets.npy"].length != articles + 1:
        raise Damage("article_offsets.npy", f"does not hold {articles:,} articles")
    if columns["article_dates.npy"].length != articles:
        raise Damage("article_dates.npy", f"does not hold {articles:,} articles")


def _runs(column: _Column, name: str, end: int, what: str) -> None:
    """Offsets into something of size ``end``: from 0, never decreasing, to ``end``."""
    if column.length == 0 or column.first != 0 or not column.ordered or column.last != end:
        raise Damage(name, f"its offsets do not run in order from 0 to the end of {what}")


def _within(column: _Column, name: str, length: int, low: int, high: int | None) -> None:
    if column.length != length:
        raise Damage(name, f"has {column.length:,} values where {length:,} are expected")
    if column.length and (column.low < low or (high is not None and column.high > high)):
        top = "" if high is None else f" to {high:,}"
        raise Damage(name, f"a value is outside {low:,}{top}")
