"""A decline threshold calibrated for one index folder, kept in that folder.

No one threshold suits every corpus, and the one that suits a corpus can only be found
from questions about it (``coverage-bot evaluate --calibrate``). Kept beside the index's
generations, it is used by every later answer from that index (the terminal's and the
bot's alike) and survives rebuilds and updates, until COVERAGE_BOT_DECLINE_THRESHOLD
says otherwise. It is kept per ranking (BM25 alone, or BM25 with a given model, under
the current evidence rules), since each weighs evidence on its own scale: a threshold
found with one never applies to another.
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import json
import math
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import MAX_EVIDENCE
from bot.file_modes import replace_file
from bot.json_input import read_json

if TYPE_CHECKING:
    from bot.answer import Ranking
    from bot.evaluation import Calibration

CALIBRATION_FILE = "calibration.json"
MIN_CALIBRATION_QUESTIONS = 20
"""Answerable questions a threshold must be found on to be kept: on fewer, one question
moves the threshold by more than the differences it is meant to find."""
EVIDENCE_RULES = 1
"""The version of how :meth:`bot.answer.Answerer.evidence` adds up; a change to it makes
every kept threshold stale, so it is part of the key they are kept under."""
_MAX_FILE_BYTES = 64 * 1024
_FORMAT = 1


class CalibrationFileError(ValueError):
    """A calibration file that cannot be read or written; the message says which and why."""


@dataclass(frozen=True)
class SavedThreshold:
    """A threshold kept for one ranking, and what it was found on."""

    threshold: float
    answerable: int
    off_topic: int
    saved_at: str
    corpus: str
    """The corpus the index held when the threshold was found (as its manifest names it)."""

    def describe(self) -> str:
        return (
            f"{self.threshold:.3f}, calibrated on {self.answerable} answerable and "
            f"{self.off_topic} off-topic questions on {self.saved_at[:10]}"
        )


def ranking_key(ranking: Ranking) -> str:
    """What a threshold is kept under: the evidence rules and the stages, each model by
    its checksum (or, for a model of one's own, its path, size and modification time)."""
    stages = ["bm25"]
    if ranking.reranker is not None:
        stages.append(f"semantic:{ranking.reranker.identity}")
    if ranking.cross_encoder is not None:
        stages.append(f"check:{ranking.cross_encoder.identity}")
    return f"evidence-{EVIDENCE_RULES}:" + "+".join(stages)


def saved_threshold(index: Path, ranking: Ranking, corpus: Path | None) -> SavedThreshold | None:
    """The threshold kept in the index folder for this ranking; None when there is none.
    CalibrationFileError when the file is there but damaged, or the threshold was found on
    another corpus than the one the index now holds (``corpus``)."""
    entry = _read(index / CALIBRATION_FILE).get(ranking_key(ranking))
    if entry is None:
        return None
    try:
        saved = _saved(entry)
    except (TypeError, ValueError) as error:
        raise CalibrationFileError(f"a damaged calibration: {error}") from error
    if saved.corpus != str(corpus):
        raise CalibrationFileError(
            f"calibrated on the coverage at {saved.corpus}, not on {corpus}, which the "
            "index now holds; calibrate again"
        )
    return saved


def check_savable(index: Path) -> None:
    """CalibrationFileError, before any question is asked, when a threshold could not be
    kept in ``index``: a file there that coverage-bot cannot read or did not write (never
    replaced), or a folder it cannot write to."""
    _read(index / CALIBRATION_FILE)
    if not os.access(index, os.W_OK | os.X_OK):
        raise CalibrationFileError(f"cannot be written: {index} is not writable")


def save_threshold(
    index: Path,
    ranking: Ranking,
    calibration: Calibration,
    corpus: Path | None,
) -> SavedThreshold:
    """Keep the calibrated threshold for this ranking in the index folder, beside any kept
    for other rankings. A file there that is not one coverage-bot wrote is never replaced.
    The CalibrationFileError messages say why not, without naming the file."""
    if calibration.answerable < MIN_CALIBRATION_QUESTIONS:
        raise CalibrationFileError(
            f"not kept: a threshold found on {calibration.answerable} answerable questions "
            f"is too uncertain (at least {MIN_CALIBRATION_QUESTIONS} are needed)"
        )
    path = index / CALIBRATION_FILE
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    saved = SavedThreshold(
        round(calibration.threshold, 3),
        calibration.answerable,
        calibration.off_topic,
        now,
        str(corpus),
    )
    with _locked(path):  # two calibrations at once each keep their own entry
        kept = _read(path)
        kept[ranking_key(ranking)] = asdict(saved)
        text = json.dumps({"format": _FORMAT, "thresholds": kept}, indent=1, sort_keys=True)
        try:
            replace_file(path, text + "\n")
        except OSError as error:
            raise CalibrationFileError(f"cannot be written: {error.strerror or error}") from error
    return saved


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    try:
        descriptor = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise CalibrationFileError(f"cannot be written: {error.strerror or error}") from error
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)  # held for milliseconds
        yield
    finally:
        os.close(descriptor)


def _read(path: Path) -> dict[str, object]:
    """The thresholds the file keeps, by ranking key; {} when there is no file."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return {}
    except OSError as error:
        if error.errno == errno.ELOOP:  # O_NOFOLLOW met a link: coverage-bot writes none
            raise CalibrationFileError("a symbolic link, not a file coverage-bot wrote") from error
        raise CalibrationFileError(f"cannot be read: {error.strerror or error}") from error
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):  # a folder, a device, a pipe
        os.close(descriptor)
        raise CalibrationFileError("not a regular file")
    with os.fdopen(descriptor, "rb") as file:
        raw = file.read(_MAX_FILE_BYTES + 1)
    if len(raw) > _MAX_FILE_BYTES:
        raise CalibrationFileError("too large to be a calibration file")
    try:
        data = read_json(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise CalibrationFileError("not JSON coverage-bot wrote") from error
    if isinstance(data, dict) and isinstance(data.get("format"), int) and data["format"] > _FORMAT:
        raise CalibrationFileError("written by a newer coverage-bot")
    if not isinstance(data, dict) or data.get("format") != _FORMAT:
        raise CalibrationFileError("not a calibration file coverage-bot wrote")
    thresholds = data.get("thresholds")
    if not isinstance(thresholds, dict):
        raise CalibrationFileError("not a calibration file coverage-bot wrote")
    return thresholds


def _saved(entry: object) -> SavedThreshold:
    if not isinstance(entry, dict):
        raise TypeError("an entry is not an object")
    threshold, answerable, off_topic = (
        entry.get(k) for k in ("threshold", "answerable", "off_topic")
    )
    if isinstance(threshold, bool) or not isinstance(threshold, int | float):
        raise TypeError("the threshold is not a number")
    if not math.isfinite(threshold) or not 0 <= threshold <= MAX_EVIDENCE:
        raise ValueError(f"the threshold {threshold} is outside 0 to {MAX_EVIDENCE}")
    for count in (answerable, off_topic):
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise TypeError("a question count is not a count")
    saved_at, corpus = entry.get("saved_at"), entry.get("corpus")
    if not isinstance(saved_at, str) or not isinstance(corpus, str):
        raise TypeError("the date or the corpus is not text")
    return SavedThreshold(float(threshold), answerable, off_topic, saved_at, corpus)
