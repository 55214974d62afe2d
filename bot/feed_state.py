"""What following feeds remembers between polls, in the state folder's ``feeds.json``.

The feeds added with ``coverage-bot feeds add``, and for each feed: the validators of
its last response (ETag, Last-Modified) for a conditional request, when it was last
polled and with what result, how many polls in a row failed and when to try again, and
the item links already seen. Written to a temporary file and renamed into place, so a
poll killed half-way leaves the last whole state; every change reads the file again
under a lock (``feeds.json.lock``), so a feed added by ``coverage-bot feeds add`` while
the bot or ``follow`` polls is kept, not overwritten by the poller's older copy.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar

from bot.file_modes import read_file, replace_file
from bot.json_input import read_json

FEEDS_FILE = "feeds.json"
_FORMAT = 1
_TIMES = ("last_poll", "next_attempt")
_TEXTS = ("etag", "last_modified", "last_result", *_TIMES)
T = TypeVar("T")


class FeedStateError(ValueError):
    """A state file that cannot be read or written; the message says which and why."""


class _OtherFormat(ValueError):
    """A feeds file of another format than this coverage-bot's (a newer one's, most often)."""


@dataclass
class FeedState:
    """One feed's memory between polls; times are ISO 8601 in UTC."""

    etag: str | None = None
    last_modified: str | None = None
    last_poll: str | None = None
    last_result: str | None = None
    failures: int = 0
    next_attempt: str | None = None
    seen: list[str] = field(default_factory=list)
    taken_in: bool = False
    """Whether a poll has read the feed's items once: its first poll passes over the
    archive behind the newest (see bot.feeds), and only that one."""
    revised: dict[str, float] = field(default_factory=dict)
    """For a seen link whose item is dated, the item's latest date (seconds since the
    epoch) when it was last taken: a later one means the article was revised."""
    written: list[str] = field(default_factory=list)
    """Seen links whose articles were written into the corpus: revised, they only update
    their files (one deleted is not written again); any other may be written."""

    def due(self, now: dt.datetime) -> bool:
        return self.next_attempt is None or dt.datetime.fromisoformat(self.next_attempt) <= now


@dataclass
class FeedBook:
    """The feeds added by command, and every followed feed's state."""

    added: list[str] = field(default_factory=list)
    states: dict[str, FeedState] = field(default_factory=dict)


class FeedStore:
    """``STATE_DIR/feeds.json``, read and written whole."""

    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / FEEDS_FILE

    def load(self) -> FeedBook:
        """The saved book; an empty one when there is none yet."""
        try:
            data = read_json(read_file(self.path).decode("utf-8"))
        except FileNotFoundError:
            return FeedBook()
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise FeedStateError(f"cannot read {self.path}: {_why(error)}") from error
        try:
            return _book(data)
        except _OtherFormat as error:
            raise FeedStateError(
                f"{self.path} is format {error.args[0]!r} of the feeds file, and this "
                f"coverage-bot reads format {_FORMAT} (a newer version wrote it?): upgrade "
                "coverage-bot, or move it aside and the feeds start afresh"
            ) from error
        except (AttributeError, TypeError, ValueError) as error:
            raise FeedStateError(
                f"{self.path} is not a feeds file coverage-bot wrote ({_why(error)}); "
                "move it aside and the feeds start afresh"
            ) from error

    def update(self, change: Callable[[FeedBook], T]) -> T:
        """Apply ``change`` to the book as it is on disk now, and save it, with no other
        process changing it in between; what ``change`` returns."""
        with self._locked():
            book = self.load()
            result = change(book)
            self.save(book)
            return result

    @contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(self.path.with_name(FEEDS_FILE + ".lock"), os.O_RDWR | os.O_CREAT)
        except OSError as error:
            raise FeedStateError(f"cannot lock {self.path}: {_why(error)}") from error
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)  # a change takes milliseconds
            yield
        finally:
            os.close(descriptor)

    def save(self, book: FeedBook) -> None:
        data = {
            "format": _FORMAT,
            "added": book.added,
            "feeds": {url: asdict(state) for url, state in book.states.items()},
        }
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            replace_file(self.path, json.dumps(data, indent=1, ensure_ascii=False))
        except OSError as error:
            raise FeedStateError(f"cannot write {self.path}: {_why(error)}") from error


def _book(data: Any) -> FeedBook:
    """The book in a parsed feeds file; TypeError or ValueError saying what is wrong. A
    file that does not say it is this format is not ours to rewrite: another program's
    JSON, or a newer coverage-bot's, whose fields this one would drop."""
    if not isinstance(data, dict) or "format" not in data:
        raise TypeError("it does not say which format it is")
    if data["format"] != _FORMAT:
        raise _OtherFormat(data["format"])
    added = data.get("added", [])
    if not isinstance(added, list) or not all(isinstance(url, str) for url in added):
        raise TypeError("'added' is not a list of addresses")
    states = {}
    known = {f.name for f in fields(FeedState)}
    for url, saved in data.get("feeds", {}).items():
        state = FeedState(**{k: v for k, v in saved.items() if k in known})
        if "written" not in saved and isinstance(state.seen, list):  # an earlier version's
            # file: take every link it saw as written but those it kept as refused, so
            # that an article deleted since stays deleted when its item is revised
            refused = saved.get("refused")
            refused = refused if isinstance(refused, list) else []
            state.written = [link for link in state.seen if link not in refused]
        for name in _TEXTS:
            if getattr(state, name) is not None and not isinstance(getattr(state, name), str):
                raise TypeError(f"{url}: {name} is not text")
        for name in _TIMES:
            if getattr(state, name) is not None:
                dt.datetime.fromisoformat(getattr(state, name))  # ValueError names the value
        if not isinstance(state.taken_in, bool):
            raise TypeError(f"{url}: taken_in is not true or false")
        if not isinstance(state.failures, int) or state.failures < 0:
            raise TypeError(f"{url}: failures is not a count")
        for name in ("seen", "written"):
            links = getattr(state, name)
            if not isinstance(links, list) or not all(isinstance(s, str) for s in links):
                raise TypeError(f"{url}: {name} is not a list of links")
        if not isinstance(state.revised, dict) or not all(
            isinstance(k, str) and isinstance(v, int | float) and not isinstance(v, bool)
            for k, v in state.revised.items()
        ):
            raise TypeError(f"{url}: revised is not a table of links and times")
        states[str(url)] = state
    return FeedBook(list(added), states)


def _why(error: Exception) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return " ".join(str(error).split())
