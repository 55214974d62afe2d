"""The index folder on disk: proof that coverage-bot wrote it, one build at a time, and a
new index put in place by replacing one small file.

    INDEX_DIR/
      COVERAGE-BOT-INDEX    this folder is an index coverage-bot wrote (and is not coverage)
      lock                  held (flock) by the one build writing here
      CURRENT               the name of the generation in use
      generation-XXXXXXXX/  one whole index, and GENERATION:
        manifest.json       format, analyzer, segments, counts, checksums of every file
        deleted_*.npy       passages and articles later updates removed
        df_histogram.npy    how many terms have each document frequency
        files.json          each corpus file's size, time, hash and articles
        segments/segment-NNNNNN/  index arrays and articles of one batch, never changed

A build, an update or a merge writes a new generation beside the current one, then
renames a new CURRENT over the old (``os.replace``, atomic): a reader sees the old index
or the new one, and a build killed at any step leaves a whole index current.
Generations that are not current are removed by the build that replaced them, or by the
next one if it was killed. An update hard-links the current generation's segments into
the new one (so removing the old generation removes only its names for them) and adds
one segment. A folder that is none of these (nor new, nor empty, nor an index of the
older one-folder format) is refused, never emptied: a build deletes only what
coverage-bot wrote. What proves it wrote something is its exact words: the marker's
text, and a generation's name as ``tempfile`` makes it with a GENERATION file inside
(or, from builds before that file, a manifest) - a user's ``generation-mine/`` or a
marker of their own is left alone.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import shlex
import shutil
import stat
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np

from bot.corpus.loader import INDEX_MARKER
from bot.json_input import read_json

_CURRENT = "CURRENT"
_NEW_CURRENT = "CURRENT.new"
_LOCK = "lock"
_GENERATION = "generation-"
_GENERATION_NAME = re.compile(r"generation-[a-z0-9_]{8}")  # tempfile.mkdtemp's 8 letters
_GENERATION_MARKER = "GENERATION"
_GENERATION_TEXT = "One index written by `coverage-bot index`; the next build removes it.\n"

# -- what one generation holds: the one table of its files, read by the index, the store
# and the integrity checks alike ---------------------------------------------------------
FORMAT_VERSION = 6  # 4: generations, CURRENT, checksums; 5: no headline; 6: segments
MANIFEST = "manifest.json"
ARTICLES = "articles.jsonl"
HEADLINES = "headlines.json"
FILES_TABLE = "files.json"
SEGMENTS = "segments"
PREFIX_BYTES = 24
"""How many first bytes of each term the vocabulary's binary search compares."""
BM25_ARRAYS = {
    "vocabulary_blob": np.dtype("u1"),
    "vocabulary_offsets": np.dtype("<i8"),
    "vocabulary_prefixes": np.dtype(f"S{PREFIX_BYTES}"),
    "indptr": np.dtype("<i8"),
    "postings_docs": np.dtype("<i4"),
    "postings_tf": np.dtype("<i4"),
    "passage_lengths": np.dtype("<i4"),
}
"""One segment's index arrays (:mod:`bot.index`) and the dtype each is written with."""
STORE_ARRAYS = {
    "article_offsets": np.dtype("<i8"),
    "passage_article": np.dtype("<i4"),
    "passage_position": np.dtype("<i4"),
    "article_dates": np.dtype("<i4"),
}
"""One segment's article arrays (:mod:`bot.store`) and the dtype each is written with."""
STATE_ARRAYS = {
    "deleted_passages": np.dtype("<i8"),
    "deleted_articles": np.dtype("<i8"),
    "df_histogram": np.dtype("<i8"),
}
"""What one generation adds to its segments: the passages and articles a later update
removed (numbered across the segments in order), and how many terms have each document
frequency (pairs, flat), from which the idf floor is computed once."""
ARRAY_DTYPES = {f"{name}.npy": dtype for name, dtype in (BM25_ARRAYS | STORE_ARRAYS).items()}
"""A segment's arrays by file name."""
STATE_DTYPES = {f"{name}.npy": dtype for name, dtype in STATE_ARRAYS.items()}
SEGMENT_FILES = (*ARRAY_DTYPES, ARTICLES, HEADLINES)
"""Every file of one segment (in ``segments/NAME/`` of a generation)."""
FILES = (*STATE_DTYPES, FILES_TABLE)
"""The generation's own files beside its manifest and segments."""


def segment_files(manifest: dict[str, object]) -> list[str]:
    """Every file of a generation but its manifest, as paths inside it: the files the
    manifest has checksums of."""
    names = [segment["name"] for segment in manifest.get("segments", ())]  # type: ignore[attr-defined]
    return [*FILES, *(f"{SEGMENTS}/{name}/{file}" for name in names for file in SEGMENT_FILES)]


_MARKER_TEXT = (
    "This folder is an index written by `coverage-bot index`. Rebuilding it replaces its\n"
    "generation-* folders; keep nothing else here.\n"
)
# What the older format (before generations, up to format 3) kept in the folder itself.
_LEGACY_FILES = frozenset(
    {MANIFEST, "terms.jsonl", "postings_weights.npy", ARTICLES, HEADLINES, *ARRAY_DTYPES}
)
_READ_ATTEMPTS = 3

T = TypeVar("T")


VECTORS_FILE = "vectors.sqlite3"
"""The semantic stage's passage vectors, kept beside the generations: a cache filled as
passages are first seen (and kept across rebuilds, being keyed by text), never checksummed
or required; removing it costs only the time to embed again."""


class IndexLoadError(ValueError):
    """An index folder that cannot be used or written: missing, corrupt, built by other
    rules, busy, or a folder a build must not touch."""


class IndexFormatError(IndexLoadError):
    """An index written by another format or analyzer: it can be rebuilt, not updated."""


class IndexFolderError(IndexLoadError):
    """A folder a build refuses to write to, because it holds what coverage-bot did not write."""


class NotAnIndexError(IndexLoadError):
    """A folder of something else (coverage, most often) given where an index belongs."""


class IndexBusyError(IndexLoadError):
    """Another build is writing the same index folder."""


class NoIndexError(IndexLoadError):
    """Nothing at all where the index belongs: it is to be built, not rebuilt."""


def rebuild_hint(index: Path, corpus: Path | str | None = None, *, first: bool = False) -> str:
    """The command that rebuilds the index at ``index`` (builds it, ``first`` time), with
    the real paths."""
    source = shlex.quote(str(corpus)) if corpus is not None else "CORPUS_PATH"
    verb = "build" if first else "rebuild"
    return f"{verb} it with: coverage-bot index {source} --out {shlex.quote(str(index))}"


def located(folder: Path, file: str) -> tuple[Path, str]:
    """The index folder a file belongs to and the file's name within it, for messages:
    ``(index, "generation-…/postings_docs.npy")`` rather than the generation's path."""
    if _is_generation(folder.name):
        return folder.parent, f"{folder.name}/{file}"
    return folder, file


def damaged(folder: Path, file: str, why: str) -> IndexLoadError:
    """The one-line refusal of a damaged index folder, naming it and the file."""
    index, where = located(folder, file)
    return IndexLoadError(f"the index at {index} is damaged: {where}: {why}")


def check_regular(generation: Path, names: tuple[str, ...] | list[str] = (MANIFEST,)) -> None:
    """IndexLoadError naming the first of a generation's files that is a link, a device,
    a pipe or a folder, or lies in a folder that is a link: an index never holds one, and
    reading one (a link to /dev/zero) would never end."""
    for name in names:
        parts = name.split("/")
        for depth in range(1, len(parts) + 1):
            try:
                mode = os.lstat(generation.joinpath(*parts[:depth])).st_mode
            except FileNotFoundError:
                break  # missing files are for the checks that read them to name
            wanted = stat.S_ISREG if depth == len(parts) else stat.S_ISDIR
            if not wanted(mode):
                why = "it is not a regular file (a link or a device)"
                raise damaged(generation, "/".join(parts[:depth]), why)


def recorded_corpus(generation: Path) -> Path | None:
    """The corpus a generation's manifest says it was built from, whatever its format."""
    try:
        check_regular(generation, (MANIFEST,))
        recorded = read_json((generation / MANIFEST).read_text(encoding="utf-8"))["corpus_path"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return Path(recorded) if corpus_path_problem(recorded) is None else None


def corpus_path_problem(recorded: object) -> str | None:
    """Why a recorded corpus path is not one to fingerprint or rebuild from, if it is not:
    the build records an absolute path, and never the root of the file system (a damaged
    manifest must not send a rebuild walking the whole disk)."""
    if not isinstance(recorded, str) or not Path(recorded).is_absolute():
        return "not an absolute path"
    if Path(recorded).parent == Path(recorded):
        return "the root of the file system, not a corpus"
    return None


_SHOWN_NAME = 60
"""The longest CURRENT content quoted in a message; longer (or unprintable) is garbage."""


def current_generation(folder: Path) -> Path:
    """The folder holding the current index in ``folder``: the generation CURRENT names,
    or, for an index of the older one-folder format, the folder itself (whose manifest
    then says it must be rebuilt)."""
    try:
        name = _read_current(folder)
    except NotADirectoryError:
        if folder.is_file():
            raise _not_an_index(folder, "is a file, not an index folder") from None
        raise NoIndexError(f"there is no index at {folder}") from None
    except FileNotFoundError:
        if not (folder / INDEX_MARKER).exists() and (folder / MANIFEST).is_file():
            return folder
        if folder.is_dir() and not (folder / INDEX_MARKER).exists() and any(folder.iterdir()):
            raise _not_an_index(folder) from None
        raise NoIndexError(f"there is no index at {folder}") from None
    except OSError as error:
        raise IndexLoadError(f"{folder} cannot be read ({error.strerror})") from error
    if name is not None and _is_generation(name):
        return folder / name
    if not (folder / INDEX_MARKER).exists():  # a CURRENT of someone else's
        raise _not_an_index(folder)
    if name is None:
        if (folder / _CURRENT).is_dir():
            raise IndexLoadError(
                f"{folder} is damaged (its CURRENT is a folder, to be moved away first)"
            )
        raise IndexLoadError(f"{folder} is damaged (its CURRENT is not a regular file)")
    if len(name) > _SHOWN_NAME or not name.isprintable():
        raise IndexLoadError(f"{folder} is damaged (its CURRENT file names no generation)")
    raise IndexLoadError(f"{folder} is damaged (its CURRENT file names {name!r})")


def _not_an_index(
    folder: Path, what: str = "is not an index folder (coverage-bot wrote no index there)"
) -> NotAnIndexError:
    """The refusal of a folder (or file) coverage-bot did not write, saying what to do
    instead: never to rebuild there, which would be refused as someone else's."""
    return NotAnIndexError(
        f"{folder} {what}; to answer from the coverage in it, pass it with --corpus, or "
        f"build an index of it with: coverage-bot index {shlex.quote(str(folder))} "
        "--out NEW_FOLDER"
    )


def reading(folder: Path, read: Callable[[Path], T], corpus: Path | None = None) -> T:
    """``read`` of the current generation in ``folder``, again if a build made another one
    current and removed it meanwhile. Its IndexLoadError gains the command that rebuilds
    the index (from the corpus the index records, else ``corpus``)."""
    generation = None
    try:
        generation = current_generation(folder)
        attempts = 1
        while True:
            try:
                return read(generation)
            except IndexLoadError:
                latest = current_generation(folder)
                if latest == generation or attempts == _READ_ATTEMPTS:
                    raise
                generation, attempts = latest, attempts + 1
    except NotAnIndexError:
        raise  # nothing to rebuild: the message says what to do instead
    except IndexLoadError as error:
        source = (recorded_corpus(generation) if generation else None) or corpus
        first = isinstance(error, NoIndexError)
        raise IndexLoadError(f"{error}; {rebuild_hint(folder, source, first=first)}") from error


def _is_generation(name: str) -> bool:
    return _GENERATION_NAME.fullmatch(name) is not None


def _wrote(path: Path, text: str) -> bool:
    """Whether ``path`` is a regular file holding exactly ``text``, as coverage-bot writes it."""
    expected = text.encode("utf-8")
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return False
    with os.fdopen(descriptor, "rb") as file:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return False
        return file.read(len(expected) + 1) == expected


def _is_our_generation(entry: Path) -> bool:
    """Whether ``entry`` is a generation coverage-bot made: its name, a real folder, and
    its GENERATION file (a generation built before that file: a manifest of ours)."""
    if not _is_generation(entry.name) or entry.is_symlink() or not entry.is_dir():
        return False
    if _wrote(entry / _GENERATION_MARKER, _GENERATION_TEXT):
        return True
    manifest = entry / MANIFEST
    if manifest.is_symlink() or not manifest.is_file():
        return False
    try:
        recorded = read_json(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(recorded, dict) and {"format", "analyzer"} <= recorded.keys()


# -- writing ----------------------------------------------------------------------------


@dataclass
class _Claim:
    """What taking a folder for an index did, so that a failed first build can undo it."""

    folder: Path
    created: bool
    legacy: list[Path] = field(default_factory=list)


_held = threading.local()  # the claims this thread holds the lock of: builds nest
_lock_descriptors: set[int] = set()  # the lock files this process holds open


def _close_inherited_locks() -> None:
    """In a forked child, close the lock files it inherited. An flock belongs to the open
    file, so a child holding a copy (a tokenising worker) would keep the folder locked
    after its parent was killed; closing the copy leaves the parent's lock in force."""
    for descriptor in _lock_descriptors:
        os.close(descriptor)
    _lock_descriptors.clear()


os.register_at_fork(after_in_child=_close_inherited_locks)


@contextmanager
def locked(folder: Path) -> Iterator[Path]:
    """Hold the build lock of the index folder ``folder`` (made one if it is new or empty;
    IndexFolderError if it holds anything else). Another build meanwhile gets
    IndexBusyError at once rather than waiting minutes for this one. A nested use in the
    same thread holds it once. If no index was ever completed here, the folder is left as
    it was found."""
    folder = folder.resolve()
    claims: dict[Path, _Claim] = _held.__dict__.setdefault("claims", {})
    if folder in claims:
        yield folder
        return
    claim = _claim(folder)
    with _flock(folder) as lock:
        claims[folder] = claim
        try:
            yield folder
        finally:
            del claims[folder]
            if not (folder / _CURRENT).exists():
                _unclaim(claim, lock)


def _claim(folder: Path) -> _Claim:
    """Check that ``folder`` may hold an index, and mark it as one."""
    if folder.exists() and not folder.is_dir():
        raise IndexFolderError(
            f"refusing to write the index to {folder}: it is a file, not a folder; "
            "choose a new folder for the index"
        )
    created = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    if _wrote(folder / INDEX_MARKER, _MARKER_TEXT):
        return _Claim(folder, created)
    entries = sorted(entry.name for entry in folder.iterdir())
    legacy = _legacy_files(folder, entries)
    if entries and legacy is None:
        shown = ", ".join(entries[:3]) + (", ..." if len(entries) > 3 else "")
        if _looks_like_an_index([e for e in entries if e != INDEX_MARKER]):
            # An index's layout without its marker, or with a damaged one: ours once,
            # perhaps, but nothing proves it, and a rebuild replaces what it finds.
            marker = "damaged" if INDEX_MARKER in entries else "missing"
            raise IndexFolderError(
                f"refusing to write the index to {folder}: it looks like an index, but its "
                f"{INDEX_MARKER} file is {marker}, so coverage-bot cannot tell that it wrote "
                f"the files there ({shown}); if it did, move the folder aside and build "
                "again, or choose a new or empty folder for the index"
            )
        raise IndexFolderError(
            f"refusing to write the index to {folder}: it holds files coverage-bot did not "
            f"write ({shown}); choose a new or empty folder for the index"
        )
    (folder / INDEX_MARKER).write_text(_MARKER_TEXT, encoding="utf-8")
    return _Claim(folder, created, legacy or [])


_INDEX_FILES = frozenset(
    {_CURRENT, _NEW_CURRENT, _LOCK, VECTORS_FILE, f"{VECTORS_FILE}-wal", f"{VECTORS_FILE}-shm"}
    | {"calibration.json"}  # bot.saved_threshold's CALIBRATION_FILE (it imports this module)
)


def _looks_like_an_index(entries: list[str]) -> bool:
    """Whether a folder's entries are an index folder's and nothing else (a generation
    among them), as one that lost its marker file would hold: a database's folder with a
    CURRENT file of its own is not taken for one."""
    return any(map(_is_generation, entries)) and all(
        name in _INDEX_FILES or _is_generation(name) for name in entries
    )


def _legacy_files(folder: Path, entries: list[str]) -> list[Path] | None:
    """The files of an index of the older one-folder format, if that is all ``folder`` holds."""
    if MANIFEST not in entries or not set(entries) <= _LEGACY_FILES:
        return None
    paths = [folder / name for name in entries]
    if any(path.is_symlink() or not path.is_file() for path in paths):
        return None
    try:
        manifest = read_json((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or not {"format", "analyzer"} <= manifest.keys():
        return None
    return paths


def _unclaim(claim: _Claim, lock: Path) -> None:
    """Undo :func:`_claim` after a build that completed nothing: the lock goes, the marker
    too if nothing of ours is left but it, and the folder if the claim made it."""
    lock.unlink(missing_ok=True)
    left = {entry.name for entry in claim.folder.iterdir()} - {p.name for p in claim.legacy}
    if left == {INDEX_MARKER}:
        (claim.folder / INDEX_MARKER).unlink()
        if claim.created:
            claim.folder.rmdir()


@contextmanager
def _flock(folder: Path) -> Iterator[Path]:
    """An exclusive, non-blocking flock on the folder's lock file, holding the locker's pid."""
    path = folder / _LOCK
    while True:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(descriptor, 32, 0).decode("ascii", "replace").strip()
            os.close(descriptor)
            by = f" (process {holder})" if holder.isdigit() else ""
            raise IndexBusyError(
                f"another build is writing the index at {folder}{by}; "
                "run this again when it has finished"
            ) from None
        try:
            if os.path.samestat(os.fstat(descriptor), os.stat(path)):
                break  # not a lock file a finished first build had just removed
        except FileNotFoundError:
            pass
        os.close(descriptor)
    _lock_descriptors.add(descriptor)
    try:
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"{os.getpid()}\n".encode("ascii"), 0)
        yield path
    finally:
        _lock_descriptors.discard(descriptor)
        os.close(descriptor)


@contextmanager
def building(folder: Path) -> Iterator[Path]:
    """A new generation inside the index folder ``folder`` to write into, under its lock.
    When the block ends without an error the generation becomes current in one atomic
    step and the ones it replaced are removed; on an error it is removed and the old one
    stays current."""
    with locked(folder) as folder:
        claim: _Claim = _held.claims[folder]
        _remove_leftovers(folder)
        staging = Path(tempfile.mkdtemp(prefix=_GENERATION, dir=folder))
        staging.chmod(0o755)  # mkdtemp's 0700 would hide an admin's build from the bot's user
        (staging / _GENERATION_MARKER).write_text(_GENERATION_TEXT, encoding="utf-8")
        try:
            yield staging
            _make_current(folder, staging)
        except BaseException:
            if _current_name(folder) != staging.name:  # once current, it is the index
                shutil.rmtree(staging, ignore_errors=True)
            raise
        _remove_leftovers(folder)
        for path in claim.legacy:
            path.unlink(missing_ok=True)
        claim.legacy.clear()


def _make_current(folder: Path, generation: Path) -> None:
    """Name ``generation`` in CURRENT, its files on disk first: a new CURRENT is written,
    flushed and renamed over the old, so CURRENT always names a whole index."""
    for path in (*generation.rglob("*"), generation):
        _fsync(path)
    new = folder / _NEW_CURRENT
    with new.open("w", encoding="utf-8") as file:
        file.write(generation.name + "\n")
        file.flush()
        os.fsync(file.fileno())
    os.replace(new, folder / _CURRENT)
    _fsync(folder)


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _remove_leftovers(folder: Path) -> None:
    """Generations that are not current (replaced, or from a build that was killed) and
    an unfinished CURRENT: only names coverage-bot gives, inside its own folder."""
    current = _current_name(folder)
    for entry in folder.iterdir():
        if entry.name != current and _is_our_generation(entry):
            shutil.rmtree(entry, ignore_errors=True)
    (folder / _NEW_CURRENT).unlink(missing_ok=True)


def _current_name(folder: Path) -> str | None:
    """What CURRENT names, or None when there is no CURRENT yet (or none a build should
    keep: the new CURRENT replaces it). A folder in its place is refused before anything
    is built or cleared: no new CURRENT could replace it."""
    current = folder / _CURRENT
    if current.is_dir() and not current.is_symlink():
        raise IndexLoadError(
            f"the index at {folder} is damaged: its {_CURRENT} is a folder, not a file; "
            "move that folder away, then build again"
        )
    try:
        return _read_current(folder)
    except FileNotFoundError:
        return None


def _read_current(folder: Path) -> str | None:
    """The name CURRENT holds, or None when it is not a regular file (a link to /dev/zero
    would otherwise be read for ever)."""
    try:
        descriptor = os.open(folder / _CURRENT, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as error:
        if error.errno == errno.ELOOP:  # O_NOFOLLOW met a link
            return None
        raise
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):  # before fdopen, which refuses a folder
        os.close(descriptor)
        return None
    with os.fdopen(descriptor, "rb") as file:
        return file.read(256).decode("utf-8", errors="replace").strip()  # bytes: not a name
