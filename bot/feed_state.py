"""What following feeds remembers between polls, in the state folder's ``feeds.json``.

The feeds added with ``coverage-bot feeds add``, and for each feed: the validators of
its last response (ETag, Last-Modified) for a conditional request, when it was last
polled and with what result, how many polls in a row failed and when to try again, and
the item links already seen. Written to a temporary file and renamed into place, so a
poll killed half-way leaves the last whole state.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

FEEDS_FILE = "feeds.json"
_FORMAT = 1


class FeedStateError(ValueError):
    """A state file that cannot be read or written; the message says which and why."""


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
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return FeedBook()
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise FeedStateError(f"cannot read {self.path}: {_why(error)}") from error
        try:
            known = {f.name for f in fields(FeedState)}
            states = {
                str(url): FeedState(**{k: v for k, v in state.items() if k in known})
                for url, state in data.get("feeds", {}).items()
            }
            return FeedBook([str(url) for url in data.get("added", [])], states)
        except (AttributeError, TypeError) as error:
            raise FeedStateError(
                f"{self.path} is not a feeds file coverage-bot wrote; move it aside"
            ) from error

    def save(self, book: FeedBook) -> None:
        data = {
            "format": _FORMAT,
            "added": book.added,
            "feeds": {url: asdict(state) for url, state in book.states.items()},
        }
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".feeds-", suffix=".tmp")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as file:
                    json.dump(data, file, indent=1, ensure_ascii=False)
                os.replace(temporary, self.path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as error:
            raise FeedStateError(f"cannot write {self.path}: {_why(error)}") from error


def _why(error: Exception) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return " ".join(str(error).split())
