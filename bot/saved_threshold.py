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
import json
import math
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from bot.config import MAX_EVIDENCE
from bot.file_modes import replace_file
from bot.rerank import SemanticReranker

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

    def describe(self) -> str:
        return (
            f"{self.threshold:.3f}, calibrated on {self.answerable} answerable and "
            f"{self.off_topic} off-topic questions on {self.saved_at[:10]}"
        )


def ranking_key(reranker: SemanticReranker | None) -> str:
    """What a threshold is kept under: the evidence rules and the stages, the model by
    its checksum (or, for a model of one's own, its path, size and modification time)."""
    stages = "bm25" if reranker is None else f"bm25+semantic:{reranker.identity}"
    return f"evidence-{EVIDENCE_RULES}:{stages}"


def saved_threshold(index: Path, reranker: SemanticReranker | None) -> SavedThreshold | None:
    """The threshold kept in the index folder for this ranking; None when there is none.
    CalibrationFileError when the file is there but damaged."""
    entry = _read(index / CALIBRATION_FILE).get(ranking_key(reranker))
    if entry is None:
        return None
    try:
        return _saved(entry)
    except (TypeError, ValueError) as error:
        raise CalibrationFileError(f"a damaged calibration: {error}") from error


def save_threshold(
    index: Path,
    reranker: SemanticReranker | None,
    threshold: float,
    answerable: int,
    off_topic: int,
) -> SavedThreshold:
    """Keep ``threshold`` for this ranking in the index folder, beside any kept for
    other rankings (a damaged file is replaced: it is coverage-bot's own). The
    CalibrationFileError messages say why not, without naming the file."""
    if answerable < MIN_CALIBRATION_QUESTIONS:
        raise CalibrationFileError(
            f"not kept: a threshold found on {answerable} answerable questions is too "
            f"uncertain (at least {MIN_CALIBRATION_QUESTIONS} are needed)"
        )
    path = index / CALIBRATION_FILE
    try:
        kept = _read(path)
    except CalibrationFileError:
        kept = {}
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    saved = SavedThreshold(round(threshold, 3), answerable, off_topic, now)
    kept[ranking_key(reranker)] = {
        "threshold": saved.threshold,
        "answerable": answerable,
        "off_topic": off_topic,
        "saved_at": now,
    }
    text = json.dumps({"format": _FORMAT, "thresholds": kept}, indent=1, sort_keys=True)
    try:
        replace_file(path, text + "\n")
    except OSError as error:
        raise CalibrationFileError(f"cannot be written: {error.strerror or error}") from error
    return saved


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
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise CalibrationFileError("not JSON coverage-bot wrote") from error
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
    saved_at = entry.get("saved_at")
    if not isinstance(saved_at, str):
        raise TypeError("the date is not text")
    return SavedThreshold(float(threshold), answerable, off_topic, saved_at)
