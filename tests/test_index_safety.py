"""The index folder is written safely: refusals that leave users' files alone, one build
at a time, an atomic swap, and a stale index that answers while it is rebuilt."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Settings
from bot.discord_bot.client import CoverageBot
from bot.index import IndexLoadError
from bot.index_folder import current_generation, locked
from bot.knowledge import build_index, load_knowledge
from bot.store import load_index

ROOT = Path(__file__).resolve().parent.parent
BUNDLED_CORPUS = ROOT / "corpus"
MORE = "---\nheadline: Iraq's parliament votes to expel U.S. troops\ndate: 2020-01-05\n---\n"
MORE += "The parliament in Baghdad voted to expel the foreign troops from Iraq.\n"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    copy = tmp_path / "corpus"
    shutil.copytree(BUNDLED_CORPUS, copy)
    return copy


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every path under ``folder`` with its bytes (None for a folder)."""
    return {
        p.relative_to(folder).as_posix(): None if p.is_dir() else p.read_bytes()
        for p in sorted(folder.rglob("*"))
    }


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m bot ARGS`` in a process of its own, importing this worktree's bot."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
        check=False,
    )


def generations(index: Path) -> list[str]:
    return sorted(p.name for p in index.iterdir() if p.name.startswith("generation-"))


# -- refusals ---------------------------------------------------------------------------


def test_out_dot_in_a_working_directory_is_refused_and_nothing_is_touched(
    corpus: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "main.py").write_text("print('mine')\n")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    before = snapshot(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["index", "corpus", "--out", "."]) == 2
    assert capsys.readouterr().err == (
        f"coverage-bot: refusing to write the index to {tmp_path}: it holds the corpus at "
        f"{corpus}; choose a new folder for the index\n"
    )
    assert snapshot(tmp_path) == before


def test_out_that_is_the_corpus_is_refused_and_the_coverage_stays(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(tmp_path)
    assert main(["index", str(corpus), "--out", str(corpus)]) == 2
    assert capsys.readouterr().err == (
        f"coverage-bot: refusing to write the index to {corpus}: it is the corpus; "
        "choose a new folder for the index\n"
    )
    assert snapshot(tmp_path) == before


def test_out_holding_a_users_files_is_refused_and_they_stay(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "writing"
    folder.mkdir()
    (folder / "thesis.txt").write_text("Chapter 1. Five years of work.\n")
    before = snapshot(tmp_path)
    assert main(["index", str(corpus), "--out", str(folder)]) == 2
    assert capsys.readouterr().err == (
        f"coverage-bot: refusing to write the index to {folder}: it holds files coverage-bot "
        "did not write (thesis.txt); choose a new or empty folder for the index\n"
    )
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("marker", ["missing", "damaged"])
def test_an_index_that_lost_its_marker_is_refused_with_what_to_do_and_stays(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], marker: str
) -> None:
    index = tmp_path / "index"
    build_index(corpus, index)
    if marker == "missing":
        (index / "COVERAGE-BOT-INDEX").unlink()
    else:  # cut short: not the text coverage-bot writes
        (index / "COVERAGE-BOT-INDEX").write_bytes((index / "COVERAGE-BOT-INDEX").read_bytes()[:10])
    before = snapshot(tmp_path)
    assert main(["index", str(corpus), "--out", str(index)]) == 2
    err = capsys.readouterr().err
    listed = ("COVERAGE-BOT-INDEX, " if marker == "damaged" else "") + "CURRENT, generation-"
    assert err.startswith(
        f"coverage-bot: refusing to write the index to {index}: it looks like an index, but "
        f"its COVERAGE-BOT-INDEX file is {marker}, so coverage-bot cannot tell that it wrote "
        f"the files there ({listed}"
    )
    assert err.endswith(
        "if it did, move the folder aside and build again, or choose a new or empty folder "
        "for the index\n"
    )
    assert snapshot(tmp_path) == before


def test_a_database_folder_with_a_current_file_is_not_taken_for_an_index(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "leveldb"
    folder.mkdir()
    (folder / "CURRENT").write_text("MANIFEST-000004\n")
    (folder / "000005.ldb").write_bytes(b"\x00" * 64)
    before = snapshot(tmp_path)
    assert main(["index", str(corpus), "--out", str(folder)]) == 2
    assert capsys.readouterr().err == (
        f"coverage-bot: refusing to write the index to {folder}: it holds files coverage-bot "
        "did not write (000005.ldb, CURRENT); choose a new or empty folder for the index\n"
    )
    assert snapshot(tmp_path) == before


def test_out_that_is_a_file_is_refused_and_the_file_is_not_moved(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    thesis = tmp_path / "thesis.txt"
    thesis.write_text("Chapter 1.\n")
    before = snapshot(tmp_path)
    assert main(["index", str(corpus), "--out", str(thesis)]) == 2
    assert capsys.readouterr().err == (
        f"coverage-bot: refusing to write the index to {thesis}: it is a file, not a folder; "
        "choose a new folder for the index\n"
    )
    assert snapshot(tmp_path) == before  # no hidden .thesis.txt-old-PID either


def test_a_users_file_dropped_into_an_index_folder_survives_a_rebuild(
    corpus: Path, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    build_index(corpus, index)
    (index / "notes.txt").write_text("my notes\n")
    build_index(corpus, index)
    assert (index / "notes.txt").read_text() == "my notes\n"
    assert len(generations(index)) == 1


def test_a_build_that_fails_leaves_no_folder_behind(tmp_path: Path) -> None:
    empty = tmp_path / "empty-corpus"
    empty.mkdir()
    with pytest.raises(ValueError, match="no articles with text"):
        build_index(empty, tmp_path / "index")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty-corpus"]


def test_an_index_of_the_older_format_is_refused_then_rebuilt_in_place(
    corpus: Path, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    index.mkdir()
    old = {"format": 3, "analyzer": "snowball-english-v3", "corpus_path": str(corpus)}
    (index / "manifest.json").write_text(json.dumps(old))
    (index / "postings_docs.npy").write_bytes(b"old arrays")
    with pytest.raises(IndexLoadError) as refused:
        load_knowledge(corpus, index)
    assert str(refused.value).startswith(f"the index at {index} was built by format 3")
    assert str(refused.value).endswith(
        f"rebuild it with: coverage-bot index {corpus} --out {index}"
    )
    build_index(corpus, index)
    assert sorted(p.name for p in index.iterdir() if not p.name.startswith("generation-")) == [
        "COVERAGE-BOT-INDEX",
        "CURRENT",
        "lock",
    ]
    assert len(load_knowledge(corpus, index).corpus.articles) == 4


def test_refusals_name_the_real_paths_in_the_rebuild_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    missing = tmp_path / "nothing"
    assert main(["--corpus", str(BUNDLED_CORPUS), "ask", "Who?", "--index", str(missing)]) == 1
    assert capsys.readouterr().err == (
        f"coverage-bot: there is no index at {missing}; build it with: "
        f"coverage-bot index {BUNDLED_CORPUS} --out {missing}\n"
    )


# -- one build at a time, atomic swap, leftovers ----------------------------------------


def test_a_build_while_another_holds_the_folder_fails_with_one_line(
    corpus: Path, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    build_index(corpus, index)
    before = snapshot(index)
    with locked(index):
        result = run_cli("index", str(corpus), "--out", str(index), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == (
        f"coverage-bot: another build is writing the index at {index} (process {os.getpid()}); "
        "run this again when it has finished\n"
    )
    assert {k: v for k, v in snapshot(index).items() if k != "lock"} == {
        k: v for k, v in before.items() if k != "lock"
    }


def test_concurrent_builds_into_one_folder_leave_one_whole_index(
    corpus: Path, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "bot", "index", str(corpus), "--out", str(index)]
    builds = [
        subprocess.Popen(
            command,
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    results = [(*b.communicate(timeout=120), b.returncode) for b in builds]
    busy = f"coverage-bot: another build is writing the index at {index}"
    for out, err, code in results:  # each wrote the index, or said in one line it could not
        assert ((code, err) == (0, "") and out.startswith("index written to")) or (
            code == 1 and out == "" and err.startswith(busy) and err.count("\n") == 1
        ), (code, out, err)
    assert any(code == 0 for _, _, code in results)
    assert len(generations(index)) == 1
    assert len(load_knowledge(corpus, index).corpus.articles) == 4


KILL_AT_STEP = """
import os, signal, sys
from bot import index_folder
step, real = sys.argv[1], index_folder._make_current
def kill(*_):
    os.kill(os.getpid(), signal.SIGKILL)
def make_current(folder, generation):
    if step == "written":
        kill()
    if step == "renaming":
        os.replace = kill
    real(folder, generation)
    kill()
index_folder._make_current = make_current
from bot.cli import main
main(sys.argv[2:])
"""


@pytest.mark.parametrize(
    ("step", "articles", "unfinished"),
    [
        ("written", 4, False),  # the new generation written, not yet named in CURRENT
        ("renaming", 4, True),  # CURRENT.new written, the rename not done
        ("swapped", 5, False),  # the new generation current, the old one not yet removed
    ],
)
def test_a_build_killed_at_any_step_leaves_a_whole_index_and_the_next_build_tidies(
    corpus: Path, tmp_path: Path, step: str, articles: int, unfinished: bool
) -> None:
    index = tmp_path / "index"
    build_index(corpus, index)
    (corpus / "more.md").write_text(MORE)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-c", KILL_AT_STEP, step, "index", str(corpus)]
    subprocess.run([*command, "--out", str(index)], cwd=tmp_path, env=env, timeout=120, check=False)
    assert len(load_index(index)[1].articles) == articles  # as found, not brought up to date
    assert len(generations(index)) == 2
    assert (index / "CURRENT.new").exists() is unfinished
    build_index(corpus, index)
    assert generations(index) == [current_generation(index).name]
    assert not (index / "CURRENT.new").exists()
    assert len(load_knowledge(corpus, index).corpus.articles) == 5
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_reader_loads_the_new_index_when_a_build_removed_the_one_it_started_on(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = tmp_path / "index"
    build_index(corpus, index)
    first = current_generation(index)
    build_index(corpus, index)
    from bot import index_folder

    calls = iter([first])  # the reader saw the old CURRENT; by its next look it changed
    real = index_folder.current_generation
    monkeypatch.setattr(index_folder, "current_generation", lambda f: next(calls, None) or real(f))
    assert len(load_knowledge(corpus, index).corpus.articles) == 4


# -- an index inside its corpus -----------------------------------------------------------


def test_an_index_inside_its_corpus_is_not_read_as_coverage(
    corpus: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["index", "corpus", "--out", "corpus/index"]) == 0
    capsys.readouterr()
    assert main(["--corpus", "corpus", "articles", "--json"]) == 0
    listed = capsys.readouterr()
    assert (len(json.loads(listed.out)), listed.err) == (4, "")
    assert main(["ask", "How many missiles?", "--index", "corpus/index", "--json"]) == 0
    asked = capsys.readouterr()
    assert json.loads(asked.out)["answer"] is not None and asked.err == ""
    assert main(["index", "corpus", "--out", "corpus/index"]) == 0  # rebuilding it is fine too
    assert len(load_knowledge(corpus, corpus / "index").corpus.articles) == 4


# -- a stale index ------------------------------------------------------------------------


def test_cli_brings_a_stale_index_up_to_date_and_answers_from_it_without_a_warning(
    corpus: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    index = tmp_path / "index"
    build_index(corpus, index)
    (corpus / "more.md").write_text(MORE)
    monkeypatch.chdir(tmp_path)
    assert main(["ask", "Did Iraq's parliament vote to expel troops?", "--index", str(index)]) == 0
    asked = capsys.readouterr()
    assert "voted to expel the foreign troops" in asked.out and asked.err == ""
    assert main(["summary", "--index", str(index), "--json"]) == 0
    summarised = capsys.readouterr()
    assert json.loads(summarised.out)["sentences"] and summarised.err == ""


def bot_over(corpus: Path, index: Path, tmp_path: Path) -> CoverageBot:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, discord_token="fake", corpus=corpus, index=index, state_dir=tmp_path / "s"
    )
    return CoverageBot(settings, load_knowledge(corpus, index))


async def test_bot_on_a_stale_index_starts_from_it_brought_up_to_date(
    corpus: Path, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    build_index(corpus, index)
    (corpus / "more.md").write_text(MORE)
    bot = bot_over(corpus, index, tmp_path)
    assert len(bot.knowledge.corpus.articles) == 5 and bot.knowledge.outdated is None
    assert bot.refresh_if_outdated() is None  # nothing left to rebuild in the background


async def test_bot_keeps_the_old_index_when_the_background_rebuild_fails(
    corpus: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    index = tmp_path / "index"
    build_index(corpus, index)
    for article in corpus.iterdir():
        article.unlink()
    bot = bot_over(corpus, index, tmp_path)
    old = bot.knowledge
    rebuilding = bot.refresh_if_outdated()
    assert rebuilding is not None
    await rebuilding
    assert bot.knowledge is old and len(old.corpus.articles) == 4
    assert "rebuilding the index failed, so the old one keeps answering" in caplog.text
    assert old.answerer.answer("How many missiles did Iran launch?").best is not None


async def test_bot_on_a_current_index_does_not_rebuild(corpus: Path, tmp_path: Path) -> None:
    build_index(corpus, tmp_path / "index")
    assert bot_over(corpus, tmp_path / "index", tmp_path).refresh_if_outdated() is None


def test_a_file_deleted_while_the_index_is_built_is_skipped_and_the_build_finishes(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file listed, then deleted before it is looked at (a feed writer or an editor
    tidying up while ``index`` runs), had ended the build: "could not write the index"."""
    import bot.store
    import bot.updates

    listed = bot.updates.coverage_files
    first = sorted(corpus.iterdir())[0]

    def listed_then_deleted(folder: Path) -> list[Path]:
        files = listed(folder)
        first.unlink(missing_ok=True)  # deleted after the first listing that holds it
        return files

    for lister in (bot.updates, bot.store):  # the files' table, the corpus's fingerprint
        monkeypatch.setattr(lister, "coverage_files", listed_then_deleted)
    kept = sorted(p.name for p in corpus.iterdir() if p != first)
    build_index(corpus, tmp_path / "index")
    articles = load_index(tmp_path / "index")[1].articles
    assert sorted({article.source for article in articles}) == kept
