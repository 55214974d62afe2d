"""A decline threshold calibrated on an index folder's own questions: kept in the folder
by `evaluate --calibrate --save`, used by every later answer from it, per ranking, with
COVERAGE_BOT_DECLINE_THRESHOLD over it and a damaged file never in the way."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from bot.answer import BM25_ONLY, Ranking
from bot.cli import main
from bot.evaluation import Calibration
from bot.knowledge import build_index, load_knowledge
from bot.rerank import load_reranker
from bot.saved_threshold import CALIBRATION_FILE, SavedThreshold, save_threshold, saved_threshold
from bot.store import indexed_corpus

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "corpus"
QUESTIONS = ROOT / "tests" / "data" / "questions.jsonl"
WEAK = "Were any Americans killed?"
"""Answered right with BM25 alone, with evidence 0.66: above the default threshold (0.32)."""


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("COVERAGE_BOT_CORPUS", "COVERAGE_BOT_INDEX", "COVERAGE_BOT_DECLINE_THRESHOLD"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def index(tmp_path: Path) -> Path:
    folder = tmp_path / "index"
    build_index(BUNDLED, folder)
    return folder


def keep(index: Path, ranking: Ranking, threshold: float, answerable: int = 30) -> SavedThreshold:
    """What `evaluate --calibrate --save` keeps, for a threshold chosen here."""
    calibration = Calibration(threshold, 0.0, (), answerable, 10)
    return save_threshold(index, ranking, calibration, indexed_corpus(index))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_saved_calibration_is_what_later_answers_decline_by(
    index: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("evaluate", "--index", str(index), "--questions", str(QUESTIONS), "--calibrate")
    code, before, _ = run(capsys, *args)
    assert code == 0
    assert re.search(r"^ +0\.700 .*\(now\)$", before, re.MULTILINE)  # the default
    assert before.rstrip().endswith("(or add --save to keep it in the index folder)")

    code, out, err = run(capsys, *args, "--save")
    assert (code, err) == (0, "")
    recommended = re.search(r"COVERAGE_BOT_DECLINE_THRESHOLD=(\d\.\d{3})", out).group(1)
    assert recommended != "0.700"
    assert f"now decline below {recommended}" in out
    kept = json.loads((index / CALIBRATION_FILE).read_text())["thresholds"]
    [(key, entry)] = kept.items()
    assert key.count("+") == 2  # BM25, the semantic stage and the answer check
    assert (entry["threshold"], entry["answerable"], entry["off_topic"]) == (
        float(recommended),
        36,
        14,
    )
    assert entry["corpus"] == str(BUNDLED)

    code, after, _ = run(capsys, *args)
    assert after.startswith(f"declining below {recommended}, calibrated on 36 answerable")
    assert re.search(rf"^ +{re.escape(recommended)} .*\(now\)  \(recommended\)$", after, re.M)


def test_the_setting_overrides_the_saved_threshold(
    index: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    keep(index, BM25_ONLY, 1.9)
    declined = "The coverage doesn't answer that."
    args = ("ask", WEAK, "--index", str(index))
    monkeypatch.setenv("COVERAGE_BOT_SEMANTIC", "false")
    monkeypatch.setenv("COVERAGE_BOT_ANSWER_CHECK", "false")
    assert declined in run(capsys, *args)[1]
    monkeypatch.setenv("COVERAGE_BOT_DECLINE_THRESHOLD", "0.3")
    code, out, _ = run(capsys, *args)
    assert code == 0
    assert "Trump says" in out and declined not in out


def test_a_threshold_is_kept_for_its_own_ranking_only(index: Path) -> None:
    reranker = load_reranker()
    keep(index, BM25_ONLY, 1.9)
    assert load_knowledge(BUNDLED, index, BM25_ONLY).answerer.threshold == 1.9
    semantic = load_knowledge(BUNDLED, index, Ranking(reranker))
    assert semantic.answerer.threshold == 0.75  # the semantic stage's default
    assert semantic.calibration is None

    keep(index, Ranking(reranker), 0.9)
    assert load_knowledge(BUNDLED, index, Ranking(reranker)).answerer.threshold == 0.9
    assert (
        saved_threshold(index, BM25_ONLY, BUNDLED).threshold == 1.9
    )  # kept beside it, not replaced


def test_the_saved_threshold_survives_a_rebuild(index: Path) -> None:
    keep(index, BM25_ONLY, 1.9)
    build_index(BUNDLED, index)
    knowledge = load_knowledge(BUNDLED, index, BM25_ONLY)
    assert knowledge.answerer.threshold == 1.9
    assert knowledge.answerer.answer(WEAK).best is None


@pytest.mark.parametrize(
    "damage",
    [
        b"{ half a file",
        b'{"format": 1, "thresholds": {"evidence-1:bm25": {"threshold": 7.5, '
        b'"answerable": 30, "off_topic": 10, "saved_at": "2026-11-23"}}}',
        b'{"format": 1, "thresholds": {"evidence-1:bm25": {"threshold": NaN, '
        b'"answerable": 30, "off_topic": 10, "saved_at": "2026-11-23"}}}',
        b'{"format": 1, "thresholds": {"evidence-1:bm25": "0.5"}}',
        b'{"format": 99, "thresholds": {}}',
        b"[1, 2, 3]",
        b"\xff\xfe not text",
        b" " * (70 * 1024),
    ],
)
def test_a_damaged_calibration_file_is_one_warning_and_the_default(
    index: Path, damage: bytes, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (index / CALIBRATION_FILE).write_bytes(damage)
    monkeypatch.setenv("COVERAGE_BOT_SEMANTIC", "false")
    monkeypatch.setenv("COVERAGE_BOT_ANSWER_CHECK", "false")
    code, out, err = run(capsys, "ask", WEAK, "--index", str(index))
    assert code == 0
    assert "Trump says" in out  # answered, at the default threshold
    [line] = err.splitlines()
    assert line.startswith(f"warning: {index / CALIBRATION_FILE}: not used (")
    assert line.endswith("answers decline at the default threshold")

    # --save never replaces a file it cannot read as its own: it says so, first. In a
    # file of its own, it replaces its ranking's damaged entry.
    code, out, err = run(
        capsys, "evaluate", "--index", str(index), "--questions", str(QUESTIONS),
        "--calibrate", "--save",
    )  # fmt: skip
    if damage.startswith(b'{"format": 1'):
        assert code == 0
        assert 0 < saved_threshold(index, BM25_ONLY, BUNDLED).threshold < 2
    else:
        assert (code, out) == (1, "")
        assert err.startswith(f"coverage-bot: {index / CALIBRATION_FILE}: ")
        assert err.rstrip().endswith("move it aside, or leave out --save")
        assert (index / CALIBRATION_FILE).read_bytes() == damage


def test_a_calibration_file_that_is_a_link_pipe_or_folder_is_not_read(index: Path) -> None:
    os.mkfifo(index / CALIBRATION_FILE)  # opened without blocking, and refused
    knowledge = load_knowledge(BUNDLED, index, BM25_ONLY)
    assert knowledge.answerer.threshold == 0.32
    assert "not a regular file" in knowledge.warnings[0].message
    os.unlink(index / CALIBRATION_FILE)
    os.symlink("/dev/zero", index / CALIBRATION_FILE)
    knowledge = load_knowledge(BUNDLED, index, BM25_ONLY)
    assert knowledge.answerer.threshold == 0.32
    [warning] = knowledge.warnings
    assert "a symbolic link, not a file coverage-bot wrote" in warning.message
    os.unlink(index / CALIBRATION_FILE)
    (index / CALIBRATION_FILE).mkdir()
    knowledge = load_knowledge(BUNDLED, index, BM25_ONLY)
    assert knowledge.answerer.threshold == 0.32
    assert "not a regular file" in knowledge.warnings[0].message


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (("--save",), "--save keeps what --calibrate finds: give both"),
        (
            ("--calibrate", "--save", "--no-index"),
            "--save keeps the threshold in an index folder: give --index DIR",
        ),
    ],
)
def test_save_is_refused_where_it_could_keep_nothing(
    index: Path, extra: tuple[str, ...], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    where = () if "--no-index" in extra else ("--index", str(index))
    flags = tuple(flag for flag in extra if flag != "--no-index")
    code, out, err = run(capsys, "evaluate", *where, "--questions", str(QUESTIONS), *flags)
    assert code == 2
    assert out == ""
    assert err.startswith(f"coverage-bot: {says}")
    assert not (index / CALIBRATION_FILE).exists()


def test_a_threshold_found_on_a_handful_of_questions_is_not_kept(
    index: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    few = tmp_path / "few.jsonl"
    few.write_text("\n".join(QUESTIONS.read_text().splitlines()[:8]) + "\n")
    code, out, err = run(
        capsys, "evaluate", "--index", str(index), "--questions", str(few), "--calibrate", "--save"
    )
    assert (code, out) == (2, "")  # refused before a question is asked
    assert err == (
        "coverage-bot: --save keeps a threshold found on at least 20 answerable questions; "
        f"{few} has 8\n"
    )
    assert not (index / CALIBRATION_FILE).exists()


def test_a_calibration_that_cannot_spare_the_answerable_questions_is_not_kept(
    index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two of 20 answerable questions name someone the coverage never mentions, so they
    are declined whatever the threshold (10%, more than the 5% allowed): the only
    recommendation left, 0, would answer nearly everything, and is shown, not kept."""
    monkeypatch.setenv("COVERAGE_BOT_SEMANTIC", "false")
    monkeypatch.setenv("COVERAGE_BOT_ANSWER_CHECK", "false")
    cases = [json.loads(line) for line in QUESTIONS.read_text().splitlines()]
    answerable = [c for c in cases if c["passages"]][:20]
    for case in answerable[:2]:
        case["question"] = case["question"].rstrip("?") + ", according to Zorblax Quux?"
    off_topic = [c for c in cases if not c["passages"]][:4]
    questions = tmp_path / "hard.jsonl"
    questions.write_text("".join(json.dumps(c) + "\n" for c in [*answerable, *off_topic]))
    keep(index, BM25_ONLY, 0.5)
    before = (index / CALIBRATION_FILE).read_bytes()

    code, out, err = run(
        capsys,
        "evaluate",
        "--index",
        str(index),
        "--questions",
        str(questions),
        "--calibrate",
        "--save",
    )
    assert code == 1
    assert "COVERAGE_BOT_DECLINE_THRESHOLD=0.000" in out  # the figures are shown
    assert err == (
        "coverage-bot: --save kept nothing: no threshold declines at most 5% of this set's "
        "answerable questions, so answers from this index decline as before\n"
    )
    assert (index / CALIBRATION_FILE).read_bytes() == before


def test_a_set_without_off_topic_questions_calibrates_nothing(
    index: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = [json.loads(line) for line in QUESTIONS.read_text().splitlines()]
    questions = tmp_path / "answerable.jsonl"
    questions.write_text("".join(json.dumps(c) + "\n" for c in cases if c["passages"]))
    args = ("evaluate", "--index", str(index), "--questions", str(questions), "--calibrate")
    code, out, err = run(capsys, *args, "--save")
    assert code == 1
    assert out.splitlines()[-1] == (
        'this set has no off-topic questions (with "passages": []), so nothing tells what a '
        "threshold declines that should be declined: add some to calibrate"
    )
    assert err == (
        "coverage-bot: --save kept nothing: the set has no off-topic questions to calibrate "
        "on, so answers from this index decline as before\n"
    )
    assert not (index / CALIBRATION_FILE).exists()


def test_a_threshold_found_on_another_corpus_is_not_used(index: Path, tmp_path: Path) -> None:
    keep(index, BM25_ONLY, 1.9)
    other = tmp_path / "other"
    other.mkdir()
    (other / "story.md").write_text(
        "---\nheadline: Council approves the new bridge\ndate: 2024-05-01\n---\n\n"
        "The council approved the bridge on Tuesday by a vote of 7 to 2.\n"
    )
    build_index(other, index)  # the same folder, now another corpus's index
    knowledge = load_knowledge(other, index, BM25_ONLY)
    assert knowledge.answerer.threshold == 0.32
    [warning] = knowledge.warnings
    assert f"calibrated on the coverage at {BUNDLED}" in warning.message


def test_the_bm25_column_declines_by_the_threshold_kept_for_bm25(
    index: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keep(index, BM25_ONLY, 1.9)  # declines everything BM25 alone could answer
    code, out, _ = run(capsys, "evaluate", "--index", str(index), "--questions", str(QUESTIONS))
    assert code == 0
    assert re.search(r"answerable questions declined +36 of 36 +1 of 36", out)
