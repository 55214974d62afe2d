"""Files written whole: a hidden temporary file beside the target, renamed into place,
with the permissions a plain ``open`` would have given it."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


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
