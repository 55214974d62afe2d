"""``ask -``: every line in gives one line of valid UTF-8 JSON out, whatever the bytes and
the locale, and a question that fails does not stop the batch."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.index_folder import current_generation
from bot.integrity import write_checksums
from bot.knowledge import build_index

ROOT = Path(__file__).resolve().parent.parent
MISSILES = "How many missiles did Iran launch?"
MIMIC = "Which Iranian official mimicked a Trump tweet?"
CURLY = "Iran’s missiles — how many?"
OFF_TOPIC = b"What is the capital of France?"  # declined: quick, so the test is


def batch_lines() -> bytes:
    """1,000 questions with bad bytes in the middle: one inside a question, one alone."""
    lines = [OFF_TOPIC] * 497 + [MISSILES.encode(), b"bad \xff byte?", b"\xfe\xff"]
    lines += [CURLY.encode()] + [OFF_TOPIC] * 498 + [CURLY.encode()]
    return b"\n".join(lines) + b"\n"


@pytest.mark.parametrize(
    "locale",
    [{"LC_ALL": "C"}, {"LC_ALL": "C", "PYTHONUTF8": "0"}],
    ids=["C", "C-without-utf8-mode"],
)
def test_a_bad_byte_costs_nothing_and_the_output_is_utf8(
    tmp_path: Path, locale: dict[str, str]
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG", "PYTHON"))}
    env |= {"PYTHONPATH": str(ROOT), **locale}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--corpus", str(ROOT / "corpus"), "ask", "-", "--top", "1"],
        input=batch_lines(),
        capture_output=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
        check=False,
    )
    assert (result.returncode, result.stderr) == (0, b"")
    records = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]
    assert len(records) == 1000
    assert [r["question"] for r in records[497:501]] == [
        MISSILES,
        "bad \N{REPLACEMENT CHARACTER} byte?",
        "\N{REPLACEMENT CHARACTER}\N{REPLACEMENT CHARACTER}",
        CURLY,
    ]
    assert "no words to search for" in records[499]["error"]
    assert records[500]["answer"] is not None and records[-1]["question"] == CURLY
    assert "more than a dozen" in records[497]["answer"]["passage"]


def test_batch_with_an_unreadable_article_answers_the_other_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(ROOT / "corpus", tmp_path / "corpus")
    build_index(tmp_path / "corpus", tmp_path / "index")
    lines = (
        (current_generation(tmp_path / "index") / "segments/segment-000000/articles.jsonl")
        .read_bytes()
        .split(b"\n")
    )
    mimic = next(n for n, line in enumerate(lines) if b'"Top Iranian official' in line)
    lines[mimic] = b"[" + lines[mimic][1:]  # that article's line no longer parses; same length
    (current_generation(tmp_path / "index") / "segments/segment-000000/articles.jsonl").write_bytes(
        b"\n".join(lines)
    )
    write_checksums(
        current_generation(tmp_path / "index")
    )  # so that only reading the article finds it
    stdin = io.TextIOWrapper(io.BytesIO(f"{MISSILES}\n{MIMIC}\n{MISSILES}\n".encode()))
    monkeypatch.setattr(sys, "stdin", stdin)
    code = main(["ask", "-", "--index", str(tmp_path / "index"), "--top", "1"])
    out, err = capsys.readouterr()
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 1
    assert [r["question"] for r in records] == [MISSILES, MIMIC, MISSILES]
    assert records[0]["answer"] is not None and records[2]["answer"] is not None
    assert records[1]["answer"] is None
    assert records[1]["error"].startswith(f"the index at {tmp_path / 'index'} is damaged: ")
    assert err == f"coverage-bot: {records[1]['error']}\n"


def test_a_line_of_many_megabytes_is_refused_without_being_read_whole(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    huge = b"Iran " * 2_000_000  # 10 MB on one line, then a question
    stdin = io.BytesIO(huge + b"\n" + MISSILES.encode() + b"\n")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(stdin))
    monkeypatch.chdir(ROOT)
    assert main(["ask", "-", "--top", "1"]) == 0
    first, second = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert first["error"] == (
        "That question is over 65,536 bytes long; please keep it to 1,000 characters at most."
    )
    assert first["question"] == ("Iran " * 200) + "…"  # the start of it, not 10 MB back
    assert "more than a dozen" in second["answer"]["passage"]
