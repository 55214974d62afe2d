"""JSON nested too deeply for Python's parser, in any file coverage-bot reads, is a
malformed file like any other, and a pipe where such a file should be is not a file: one
line, and nothing else lost."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.json_input import read_json

DEEP = "[" * 100_000
DEPOT = {"headline": "Depot reopens", "body": "The bus depot reopened on Monday morning."}


pytestmark = pytest.mark.usefixtures("no_settings")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_deep_nesting_is_a_decode_error() -> None:
    with pytest.raises(json.JSONDecodeError, match="nested too deeply"):
        read_json(DEEP)
    assert read_json('{"a": [1]}') == {"a": [1]}


def test_a_deep_line_of_a_jsonl_corpus_is_skipped_and_the_others_answer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "news.jsonl").write_text(f"{DEEP}\n{json.dumps(DEPOT)}\n", encoding="utf-8")
    code, out, err = run(capsys, "--corpus", "corpus", "ask", "When did the depot reopen?")
    assert code == 0
    assert "warning: skipped corpus/news.jsonl:1: not valid JSON: nested too deeply" in err
    assert "The bus depot reopened on Monday morning." in out


def test_deep_index_and_state_files_are_one_line_each(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "news.jsonl").write_text(json.dumps(DEPOT) + "\n", encoding="utf-8")
    assert run(capsys, "index", "corpus", "--out", "index")[0] == 0
    (tmp_path / "index" / "calibration.json").write_text("[" * 5000 + "]" * 5000)
    code, out, err = run(capsys, "ask", "--index", "index", "When did the depot reopen?")
    assert code == 0 and "The bus depot reopened" in out
    assert "index/calibration.json: not used (not JSON coverage-bot wrote)" in err
    generation = (tmp_path / "index" / "CURRENT").read_text().strip()
    (tmp_path / "index" / generation / "manifest.json").write_text(DEEP)
    code, _, err = run(capsys, "ask", "--index", "index", "When did the depot reopen?")
    assert code != 0
    assert err.count("\n") == 1 and "it is not readable JSON" in err
    state = tmp_path / "state"
    state.mkdir()
    (state / "feeds.json").write_text("[" * 5000 + "]" * 5000)
    monkeypatch.setenv("COVERAGE_BOT_STATE_DIR", str(state))
    code, _, err = run(capsys, "feeds", "list")
    assert code != 0
    why = "nested too deeply: line 1 column 1 (char 0)"
    assert err == f"coverage-bot: cannot read {state / 'feeds.json'}: {why}\n"


def test_deep_evaluation_files_are_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "deep.json").write_text(DEEP)
    for option in ("--squad", "--questions", "--summaries"):
        code, _, err = run(capsys, "evaluate", option, "deep.json")
        assert code != 0, option
        assert err.count("\n") == 1 and "Traceback" not in err, (option, err)


def test_a_pipe_nobody_writes_to_is_read_as_empty_not_waited_on_for_ever(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    os.mkfifo(tmp_path / "pipe")  # a plain open would wait for a writer
    said = {
        "--squad": "coverage-bot: pipe is not a SQuAD v1.1 file (Expecting value",
        "--questions": "coverage-bot: the question set pipe holds no questions",
        "--summaries": "coverage-bot: the reference summaries pipe cannot be read (Expecting",
    }
    for option, message in said.items():
        code, _, err = run(capsys, "evaluate", option, "pipe")
        assert code != 0, option
        assert err.count("\n") == 1 and err.startswith(message), (option, err)
    code, _, err = run(capsys, "evaluate", "--questions", "/dev/null")  # a device
    assert err.startswith("coverage-bot: the question set /dev/null cannot be read (")
    assert "not a file" in err
    state = tmp_path / "state"
    state.mkdir()
    os.mkfifo(state / "feeds.json")
    monkeypatch.setenv("COVERAGE_BOT_STATE_DIR", str(state))
    code, _, err = run(capsys, "feeds", "list")
    assert code != 0
    assert err.startswith(f"coverage-bot: cannot read {state / 'feeds.json'}: Expecting value")


def test_a_question_set_piped_in_is_read(tmp_path: Path) -> None:
    """``... | coverage-bot evaluate --questions /dev/stdin``: a pipe with a writer."""
    questions = Path(__file__).parent / "data" / "questions.jsonl"
    evaluated = subprocess.run(
        [sys.executable, "-m", "bot", "evaluate", "--questions", "/dev/stdin"],
        input=questions.read_bytes(),
        capture_output=True,
        env={**os.environ, "COVERAGE_BOT_SEMANTIC": "false"},
        timeout=300,
        check=False,
    )
    assert evaluated.returncode == 0, evaluated.stderr
    assert b"off-topic questions declined        14 of 14" in evaluated.stdout
