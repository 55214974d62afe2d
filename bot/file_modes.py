"""The permissions of files written by temporary name and renamed into place."""

from __future__ import annotations

import os


def readable_mode() -> int:
    """The mode a new file gets from ``open`` under this process's umask (0644 under the
    usual 022). ``tempfile.mkstemp`` makes 0600, which ``os.replace`` keeps: a file an
    administrator writes with ``coverage-bot add`` would be hidden from the bot's user."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask
