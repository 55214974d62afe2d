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
    FILES,
    FORMAT_VERSION,
    HEADLINES,
    MANIFEST,
    IndexLoadError,
    check_regular,
    damaged,
    located,
)

_CHUNK_BYTES = 1 << 24

_ORDERED = {
    "vocabulary_offsets.npy",
    "vocabulary_prefixes.npy",
    "indptr.npy",
    "article_offsets.npy",
}
_WITH_RANGE = {
    "vocabulary_offsets.npy",
    "indptr.npy",
    "postings_docs.npy",
    "postings_weights.npy",
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
    check_regular(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise damaged(folder, MANIFEST, "it is missing") from error
    except (OSError, ValueError) as error:
        raise damaged(folder, MANIFEST, "it is not readable JSON") from error
    if not isinstance(manifest, dict):
        raise damaged(folder, MANIFEST, "it is not a JSON object")
    built = (manifest.get("format"), manifest.get("analyzer"))
    if built != (FORMAT_VERSION, ANALYZER_NAME):
        raise IndexLoadError(
            f"the index at {located(folder, MANIFEST)[0]} was built by format {built[0]} with "
            f"analyzer {built[1]}, but this version reads format {FORMAT_VERSION} with "
            f"{ANALYZER_NAME}"
        )
    check_fields(folder, manifest, {"parameters": dict, "documents": int, "postings": int})
    parameters = manifest["parameters"]
    if set(parameters) != {"k1", "b", "epsilon"} or not all(
        _is_number(value) for value in parameters.values()
    ):
        raise damaged(folder, MANIFEST, "parameters are not k1, b and epsilon as numbers")
    if parameters["k1"] < 0 or not 0 <= parameters["b"] <= 1 or parameters["epsilon"] < 0:
        raise damaged(folder, MANIFEST, f"parameters {parameters} are out of BM25's range")
    return manifest


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


def write_checksums(folder: Path) -> None:
    """Record the CRC-32 of every file of the index in ``folder`` (a staging folder) in
    its manifest."""
    manifest_path = folder / MANIFEST
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["checksums"] = {name: file_crc32(folder / name) for name in FILES}
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
    expected = ARRAY_DTYPES[name]
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
            column.add(values, name in _ORDERED, name in _WITH_RANGE)

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
        file = Path(error.filename).name if error.filename else "a file"
        raise damaged(folder, file, error.strerror or str(error)) from error


def _verify(folder: Path, manifest: dict[str, Any]) -> None:
    checksums = manifest.get("checksums")
    if not isinstance(checksums, dict):
        raise Damage(MANIFEST, "it records no checksums")
    for name in FILES:
        if not isinstance(checksums.get(name), int) or isinstance(checksums[name], bool):
            raise Damage(MANIFEST, f"it records no checksum for {name}")
    for name in (ARTICLES, HEADLINES):
        if file_crc32(folder / name) != checksums[name]:
            raise Damage(name, "its checksum does not match the one recorded at build")
    columns = {name: _scan_array(folder, name, checksums[name]) for name in ARRAY_DTYPES}
    _check_bounds(columns, manifest, (folder / ARTICLES).stat().st_size)


def _check_bounds(
    columns: dict[str, _Column], manifest: dict[str, Any], articles_bytes: int
) -> None:
    """The facts the search and the article lookups rely on, each a cheap comparison."""
    documents, postings, articles = (manifest[k] for k in ("documents", "postings", "articles"))
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
    _weights(columns["postings_weights.npy"], postings, documents, manifest["parameters"])
    _within(columns["passage_article.npy"], "passage_article.npy", documents, 0, articles - 1)
    _within(columns["passage_position.npy"], "passage_position.npy", documents, 0, None)
    if columns["article_offsets.npy"].length != articles + 1:
        raise Damage("article_offsets.npy", f"does not hold {articles:,} articles")
    if columns["article_dates.npy"].length != articles:
        raise Damage("article_dates.npy", f"does not hold {articles:,} articles")


def _weights(weights: _Column, postings: int, documents: int, parameters: dict[str, float]) -> None:
    """One finite weight a posting, none beyond what BM25 can give."""
    name = "postings_weights.npy"
    if weights.length != postings:
        raise Damage(name, f"has {weights.length:,} weights for {postings:,} postings")
    if not weights.length:
        return
    if not (math.isfinite(weights.low) and math.isfinite(weights.high)):
        raise Damage(name, "a weight is not a finite number")
    bound = _largest_weight(documents, parameters)
    if not -bound <= weights.low <= weights.high <= bound:
        raise Damage(name, f"a weight is beyond ±{bound:.3f}, which BM25 cannot give")


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


def _largest_weight(documents: int, p: dict[str, float]) -> float:
    """A bound on |idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * |d| / avgdl))|: with
    k1 >= 0 and b in [0, 1] the fraction is below k1 + 1, and |idf| is below
    ln(2 * documents + 1), or epsilon times that when floored; a margin for rounding."""
    idf = max(1.0, p["epsilon"]) * math.log(2 * documents + 1)
    return (p["k1"] + 1) * idf * (1 + 1e-9) + 1e-9
