"""Findings from a tester about users' data: a bad JSON Lines line is skipped on its own,
a rebuild removes only what coverage-bot wrote, a generation's files must be regular
files, and a corpus path that is the whole disk or the home folder is refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.index_folder import IndexLoadError, current_generation
from bot.knowledge import build_index

LLAMA = (
    b'{"headline":"Llama story","date":"2024-01-01","body":"The ll\xffamas escaped the farm."}\n'
)
ZEBRA = b'{"headline":"Zebra story","date":"2024-01-01","body":"Zebras stayed."}\n'


def headlines(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[list[str], str]:
    """The headlines ``articles --json`` lists, and what it printed on stderr."""
    assert main([*args, "articles", "--json"]) == 0
    captured = capsys.readouterr()
    return [a["headline"] for a in json.loads(captured.out)], captured.err


def test_a_jsonl_line_with_a_bad_byte_in_an_ascii_file_is_skipped_on_its_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "k.jsonl").write_bytes(LLAMA + ZEBRA)
    listed, err = headlines(capsys, "--corpus", str(tmp_path))
    assert listed == ["Zebra story"]
    assert (
        err == f"warning: skipped {tmp_path / 'k.jsonl'}:1: not UTF-8 text (byte 60 of the line)\n"
    )


def test_a_jsonl_file_saved_as_windows_1252_loses_only_its_accented_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cafe = '{"headline":"Café story","date":"2024-01-01","body":"A café opened."}\n'
    (tmp_path / "k.jsonl").write_bytes(cafe.encode("cp1252") + ZEBRA)
    listed, err = headlines(capsys, "--corpus", str(tmp_path))
    assert listed == ["Zebra story"]
    assert err.startswith(f"warning: skipped {tmp_path / 'k.jsonl'}:1: not UTF-8 text")


def test_a_text_file_saved_as_windows_1252_is_still_read_in_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = "---\nheadline: Café story\ndate: 2024-01-01\n---\nA café opened in town.\n"
    (tmp_path / "k.md").write_bytes(page.encode("cp1252"))
    listed, err = headlines(capsys, "--corpus", str(tmp_path))
    assert listed == ["Café story"]
    assert err == f"warning: {tmp_path / 'k.md'}: not UTF-8, so read as Windows-1252\n"


ROOT = Path(__file__).resolve().parent.parent
BUNDLED_CORPUS = ROOT / "corpus"


def ours(index: Path) -> list[str]:
    """The generations in ``index`` that coverage-bot made (with its GENERATION file)."""
    return sorted(p.parent.name for p in index.glob("generation-*/GENERATION"))


@pytest.mark.parametrize("name", ["generation-mine", "generation-abcd1234"])
def test_a_users_folder_named_like_a_generation_survives_a_rebuild(
    tmp_path: Path, name: str
) -> None:
    index = tmp_path / "index"
    build_index(BUNDLED_CORPUS, index)
    mine = index / name
    mine.mkdir()
    (mine / "important.txt").write_text("keep me\n")
    build_index(BUNDLED_CORPUS, index)
    assert (mine / "important.txt").read_text() == "keep me\n"
    assert len(ours(index)) == 1


def test_the_generations_a_build_replaced_are_removed(tmp_path: Path) -> None:
    index = tmp_path / "index"
    build_index(BUNDLED_CORPUS, index)
    first = ours(index)
    build_index(BUNDLED_CORPUS, index)
    assert len(ours(index)) == 1 and ours(index) != first


def test_a_folder_with_a_marker_coverage_bot_did_not_write_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "writing"
    folder.mkdir()
    (folder / "COVERAGE-BOT-INDEX").write_text("x")
    (folder / "thesis.txt").write_text("Chapter 1.\n")
    assert main(["index", str(BUNDLED_CORPUS), "--out", str(folder)]) == 2
    assert capsys.readouterr().err == (
        f"coverage-bot: refusing to write the index to {folder}: it holds files coverage-bot "
        "did not write (COVERAGE-BOT-INDEX, thesis.txt); choose a new or empty folder for "
        "the index\n"
    )
    assert sorted(p.name for p in folder.iterdir()) == ["COVERAGE-BOT-INDEX", "thesis.txt"]
    assert (folder / "COVERAGE-BOT-INDEX").read_text() == "x"


@pytest.mark.parametrize(
    "name",
    [
        "manifest.json",
        "segments/segment-000000/postings_docs.npy",
        "segments/segment-000000/articles.jsonl",
        "files.json",
    ],
)
def test_an_index_file_that_links_to_dev_zero_is_refused_in_one_line(
    tmp_path: Path, name: str
) -> None:
    index = tmp_path / "index"
    build_index(BUNDLED_CORPUS, index)
    generation = index / (index / "CURRENT").read_text().strip()
    (generation / name).unlink()
    (generation / name).symlink_to("/dev/zero")
    asked = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--index", str(index), "How many missiles?"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=60,  # it used to read /dev/zero for ever
        check=False,
    )
    corpus = "CORPUS_PATH" if name == "manifest.json" else BUNDLED_CORPUS  # the manifest says
    assert asked.returncode == 1
    assert asked.stderr == (
        f"coverage-bot: the index at {index} is damaged: {generation.name}/{name}: it is not "
        f"a regular file (a link or a device); rebuild it with: coverage-bot index "
        f"{corpus} --out {index}\n"
    )


def test_a_corpus_that_is_the_root_of_the_file_system_is_refused_in_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["--corpus", "/", "articles"]) == 1
    assert capsys.readouterr().err == (
        "coverage-bot: refusing to read / as coverage: it is the root of the file system; "
        "point at the folder that holds the coverage\n"  # given with --corpus: no more to say
    )
    monkeypatch.setenv("COVERAGE_BOT_CORPUS", "/")
    assert main(["articles"]) == 1
    assert capsys.readouterr().err.endswith("; set COVERAGE_BOT_CORPUS or pass --corpus\n")


def test_a_corpus_that_is_the_home_folder_is_refused_before_an_index_is_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "notes.md").write_text("---\nheadline: Notes\n---\nMy own notes.\n")
    assert main(["index", "~", "--out", str(tmp_path / "index")]) == 1
    assert capsys.readouterr().err == (
        f"coverage-bot: refusing to read {tmp_path} as coverage: it is your home folder; "
        "point at the folder that holds the coverage\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.md"]


def test_a_current_file_of_garbage_is_refused_without_echoing_it(tmp_path: Path) -> None:
    index = tmp_path / "index"
    build_index(BUNDLED_CORPUS, index)
    (index / "CURRENT").write_bytes(bytes(range(256)) * 2)
    with pytest.raises(IndexLoadError) as refusal:
        current_generation(index)
    assert str(refusal.value) == f"{index} is damaged (its CURRENT file names no generation)"


def test_a_current_file_that_links_to_dev_zero_is_refused_then_a_rebuild_repairs_it(
    tmp_path: Path,
) -> None:
    index = tmp_path / "index"
    build_index(BUNDLED_CORPUS, index)
    (index / "CURRENT").unlink()
    (index / "CURRENT").symlink_to("/dev/zero")
    asked = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--index", str(index), "How many missiles?"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=60,  # it used to read /dev/zero for ever
        check=False,
    )
    assert asked.returncode == 1
    assert asked.stderr == (
        f"coverage-bot: {index} is damaged (its CURRENT is not a regular file); rebuild it "
        f"with: coverage-bot index CORPUS_PATH --out {index}\n"
    )
    build_index(BUNDLED_CORPUS, index)
    assert not (index / "CURRENT").is_symlink() and len(ours(index)) == 1
