"""Files written whole: a hidden temporary file beside the target, renamed into place,
with the permissions a plain ``open`` would have given it; and files read whole that a
user names or keeps (a question set, a saved page, a state file, ``.env``), which may be
a pipe or a device instead."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path


class NotAFile(OSError):
    """A device or a folder where a file was expected."""

    def __init__(self, path: Path) -> None:
        super().__init__(errno.EINVAL, "not a file", str(path))


def read_file(path: Path, limit: int | None = None) -> bytes:
    """The bytes of the file or pipe at ``path`` (``--questions /dev/stdin``), or at most
    ``limit`` + 1 of them (so that a caller can tell a file past its limit); NotAFile for
    a device or a folder (/dev/zero never ends). A named pipe is opened without waiting
    for a writer, and with none it reads as empty, where a plain open waits for ever."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        mode = os.fstat(descriptor).st_mode
        if not (stat.S_ISREG(mode) or stat.S_ISFIFO(mode)):
            raise NotAFile(path)
        os.set_blocking(descriptor, True)  # a writer that is slow to write is waited for
    except BaseException:
        os.close(descriptor)
        raise
    with os.fdopen(descriptor, "rb") as file:
        return file.read() if limit is None else file.read(limit + 1)


def _readable_mode() -> int:
    """The mode a new file gets from ``open`` under this process's umask (0644 under the
    usual 022). ``tempfile.mkstemp`` makes 0600, which ``os.replace`` keeps: a file an
    administrator writes with ``coverage-bot add`` would be hidden from the bot's user."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def replace_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all, so that a reader (or a process
    killed halfway) never sees half a file. The temporary name starts with a dot, which
    the corpus loader passes over. A file replaced keeps its permissions: one an editor
    made private (an embargoed piece, 0600) stays private."""
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = _readable_mode()
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
