"""Passage vectors kept on disk between runs: a SQLite file keyed by the passage's text.

Embedding is the semantic stage's cost (a few milliseconds a sentence), and a restarted
bot or a one-off ``coverage-bot ask`` would otherwise embed every candidate again. The
key is a hash of the model's name and the passage's text, so the file serves any index
or corpus holding that passage, and a passage edited or another model simply misses.

The file is a cache: when it cannot be opened or written (locked, damaged), one warning
is logged and answers go on without it. A file that can be read but not written (an
index folder a service user may only read, a read-only mount: vectors an administrator
embedded) is read, and nothing new is kept.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

_SCHEMA = "CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, rows INTEGER, data BLOB)"
_BUSY_SECONDS = 1.0
_STRICT_BUSY_SECONDS = 30.0
_LOOKUP_CHUNK = 500  # SQLite's limit on bound parameters is far above; this keeps SQL short


class VectorFileError(Exception):
    """A vector file that must be written (``strict``) and cannot be; the message says why."""


_FLOAT16_BYTES = np.dtype(np.float16).itemsize


class VectorFile:
    """Float16 matrices (one row a sentence) by key, in ``path``; every failure is a
    warning once and a miss, never an error for the question being answered. A
    ``strict`` one, for embedding an index ahead of its questions (whose whole point is
    the file), raises VectorFileError instead."""

    def __init__(self, path: Path, dimension: int, strict: bool = False) -> None:
        self.path = path
        self._dimension = dimension
        self._strict = strict
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None
        self._broken = False
        self._read_only = False
        self._immutable = False

    def get(self, keys: Sequence[bytes]) -> dict[bytes, np.ndarray]:
        """The stored matrices of those keys that are stored."""
        found: dict[bytes, np.ndarray] = {}
        for start in range(0, len(keys), _LOOKUP_CHUNK):
            chunk = keys[start : start + _LOOKUP_CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = self._run(f"SELECT key, rows, data FROM vectors WHERE key IN ({marks})", chunk)
            for key, count, data in rows:
                # A row damaged outside coverage-bot (text or NULL for the vectors, a size
                # that does not fit) is a miss, embedded again and written over.
                size = count * self._dimension * _FLOAT16_BYTES if isinstance(count, int) else 0
                if size > 0 and isinstance(data, bytes) and len(data) == size:
                    matrix = np.frombuffer(data, dtype=np.float16)
                    found[bytes(key)] = matrix.reshape(count, self._dimension)
        return found

    def put(self, items: Iterable[tuple[bytes, np.ndarray]]) -> None:
        """Store the matrices (replacing any under the same key); nothing, in a file
        that may only be read."""
        rows = [(key, len(m), m.astype(np.float16).tobytes()) for key, m in items]
        if rows and not self._read_only:
            self._run("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)", rows, many=True)

    def close(self) -> None:
        """Close the file (a later use opens it again)."""
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def _run(self, sql: str, parameters: Sequence[object], many: bool = False) -> list[tuple]:
        with self._lock:
            if self._broken or (many and self._read_only):
                return []
            try:
                connection = self._connect()
                if connection is None:  # read as it is on disk, afresh each time
                    return self._read_once(sql, parameters)
                with connection:
                    if many:
                        connection.executemany(sql, parameters)
                        return []
                    return connection.execute(sql, parameters).fetchall()
            except (sqlite3.Error, OSError) as error:
                return self._failed(error, many)

    def _failed(self, error: Exception, writing: bool) -> list[tuple]:
        """A miss for this question, or a file given up on (raised, if strict)."""
        if not self._strict:
            if _busy(error):
                # Another process writing (embed filling the file): a miss this time.
                log.info("vector cache %s busy, so not used for one question", self.path)
                return []
            if writing and "readonly" in str(error):
                # Opened while it could be written, and no longer (a read-only remount, a
                # user who may only read it): its vectors still serve.
                self._read_only = True
                log.info("vector cache %s can only be read now; none are added", self.path)
                return []
            if self._immutable:  # read while another process rewrote it: a miss
                log.info("vector cache %s changed as it was read: %s", self.path, error)
                return []
        self._broken = True
        if self._strict:
            raise VectorFileError(f"cannot keep vectors in {self.path}: {error}") from error
        log.warning("vector cache %s not used: %s", self.path, error)
        return []

    def _connect(self) -> sqlite3.Connection | None:
        """The open connection, opened the first time; None when the file can only be
        read immutable (each lookup then opens it afresh, to see what others wrote)."""
        if self._connection is None and not self._immutable:
            try:
                self._connection = self._open()
            except (sqlite3.OperationalError, OSError) as error:
                if self._strict or _busy(error) or not self.path.is_file():
                    raise
                if _writable(self.path):
                    raise  # not a matter of permissions: a cache that cannot be used
                self._read_only = True
                self._connection = self._open_read_only()
                log.info("vector cache %s can only be read: none are added", self.path)
        return self._connection

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # A question waits a second at most for another writer; embed, which has nothing
        # else to do, waits as long as such a write could take.
        wait = _STRICT_BUSY_SECONDS if self._strict else _BUSY_SECONDS
        connection = sqlite3.connect(self.path, timeout=wait, check_same_thread=False)
        try:
            connection.execute("PRAGMA journal_mode=WAL")  # readers never wait for a writer
            connection.execute(_SCHEMA)
        except sqlite3.Error:
            connection.close()
            raise
        return connection

    def _open_read_only(self) -> sqlite3.Connection | None:
        """A read-only connection that sees what writers add (``mode=ro``), or None where
        even that cannot be had: SQLite must be able to use the file's WAL index, which a
        folder that may only be read does not let it make. The file is then read
        immutable, opened afresh for each lookup."""
        uri = f"{self.path.resolve().as_uri()}?mode=ro"
        connection = sqlite3.connect(uri, uri=True, timeout=_BUSY_SECONDS, check_same_thread=False)
        try:
            connection.execute("SELECT 1 FROM vectors LIMIT 1")
        except sqlite3.Error:
            connection.close()
            self._immutable = True
            return None
        return connection

    def _read_once(self, sql: str, parameters: Sequence[object]) -> list[tuple]:
        uri = f"{self.path.resolve().as_uri()}?immutable=1"
        connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
        try:
            return connection.execute(sql, parameters).fetchall()
        finally:
            connection.close()


def _writable(path: Path) -> bool:
    """Whether this process may write the file and make files beside it (a read-only
    mount, or another user's folder, says no)."""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def _busy(error: Exception) -> bool:
    """Whether SQLite gave up waiting for another connection's lock."""
    return isinstance(error, sqlite3.OperationalError) and (
        "locked" in str(error) or "busy" in str(error)
    )
