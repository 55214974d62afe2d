"""The review findings on issue 9, each as the behaviour a user sees now."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot import index_folder, store, updates
from bot import knowledge as knowledge_module
from bot.answer import Answerer
from bot.cli import main
from bot.corpus import load_corpus
from bot.discord_bot.formatting import link
from bot.index import IndexLoadError
from bot.index_folder import current_generation
from bot.knowledge import build_index, load_knowledge, rebuild_knowledge

ESCAPE = "\x1b]0;pwned\x07"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No developer's .env or settings leak into these tests."""
    monkeypatch.chdir(tmp_path)
    for name in ("COVERAGE_BOT_CORPUS", "COVERAGE_BOT_TOP", "COVERAGE_BOT_INDEX"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # not tmp_path: corpora live there


def write_corpus(folder: Path, headline: str = "Missiles strike bases") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    record = {
        "headline": headline,
        "date": "2020-01-08",
        "paragraphs": ["Missiles struck the base overnight, officials said."],
    }
    (folder / "news.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    return folder


# -- 1.3: no escape sequence from the corpus or a path reaches the terminal ----------------


def test_chat_question_errors_reach_the_terminal_without_escapes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = write_corpus(tmp_path / "news", f"Missiles {ESCAPE} strike bases")
    monkeypatch.setattr("sys.stdin", io.StringIO("???\n"))
    assert main(["--corpus", str(corpus), "chat"]) == 0
    out = capsys.readouterr().out
    assert "no words to search for" in out
    assert "\x1b" not in out and "\x07" not in out


def test_the_outdated_warning_reaches_the_terminal_without_escapes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = write_corpus(tmp_path / "news")
    index = tmp_path / f"index{ESCAPE}"
    assert main(["index", str(corpus), "--out", str(index)]) == 0
    (corpus / "news.jsonl").unlink()  # nothing left to update it with: the old one answers
    capsys.readouterr()
    assert main(["ask", "--index", str(index), "--json", "Which base was struck?"]) == 0
    err = capsys.readouterr().err
    assert "is older than its corpus" in err
    assert "\x1b" not in err and "\x07" not in err


def test_ask_from_stdin_reports_index_errors_without_escapes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    corpus = write_corpus(tmp_path / "news")

    def fails(*_: object, **__: object) -> None:
        raise IndexLoadError(f"the index at /srv/idx{ESCAPE} is damaged")

    monkeypatch.setattr(Answerer, "answer", fails)
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"Which base?\n")))
    assert main(["--corpus", str(corpus), "ask", "-"]) == 1
    err = capfd.readouterr().err
    assert err.startswith("coverage-bot: the index at /srv/idx is damaged")
    assert "\x1b" not in err and "\x07" not in err


# -- 1.5: a rebuild hint names a corpus only when the index or the user says which ---------


def broken_manifest_index(tmp_path: Path) -> Path:
    corpus = write_corpus(tmp_path / "news")
    index = tmp_path / "index"
    assert main(["index", str(corpus), "--out", str(index)]) == 0
    generation = index / (index / "CURRENT").read_text().strip()
    (generation / "manifest.json").write_text("not JSON", encoding="utf-8")
    return index


def test_the_rebuild_hint_has_a_placeholder_when_no_corpus_was_chosen(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    index = broken_manifest_index(tmp_path)
    capsys.readouterr()
    assert main(["ask", "--index", str(index), "Which base?"]) == 1
    err = capsys.readouterr().err
    assert err.endswith(f"; rebuild it with: coverage-bot index CORPUS_PATH --out {index}\n")


@pytest.mark.parametrize("how", ["option", "environment"])
def test_the_rebuild_hint_names_the_corpus_that_was_chosen(
    how: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    index = broken_manifest_index(tmp_path)
    chosen = tmp_path / "elsewhere"
    options = ["--corpus", str(chosen)] if how == "option" else []
    if how == "environment":
        monkeypatch.setenv("COVERAGE_BOT_CORPUS", str(chosen))
    capsys.readouterr()
    assert main([*options, "ask", "--index", str(index), "Which base?"]) == 1
    err = capsys.readouterr().err
    assert err.endswith(f"; rebuild it with: coverage-bot index {chosen} --out {index}\n")


# -- 1.6: a failure after the swap never removes the index CURRENT names -----------------


def test_a_failure_after_the_swap_keeps_the_new_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = write_corpus(tmp_path / "news")
    index = (tmp_path / "index").resolve()
    build_index(corpus, index)
    write_corpus(corpus, "Drones strike tankers")
    real_fsync = index_folder._fsync

    def fsync(path: Path) -> None:
        if path == index:  # the folder, flushed once the new CURRENT is renamed in
            raise OSError(5, "Input/output error")
        real_fsync(path)

    monkeypatch.setattr(index_folder, "_fsync", fsync)
    with pytest.raises(OSError, match="Input/output error"):
        build_index(corpus, index)
    monkeypatch.undo()
    assert current_generation(index).is_dir()
    knowledge = load_knowledge(corpus, index)
    assert knowledge.corpus.articles[0].headline == "Drones strike tankers"


# -- 1.7: messages name the index folder and the file at fault ------------------------------


def built_index(tmp_path: Path) -> tuple[Path, Path, Path]:
    corpus = write_corpus(tmp_path / "news")
    index = (tmp_path / "index").resolve()
    build_index(corpus, index)
    return corpus, index, current_generation(index)


def refusal(corpus: Path, index: Path) -> str:
    with pytest.raises(IndexLoadError) as refused:
        load_knowledge(corpus, index)
    return str(refused.value)


def test_a_missing_manifest_is_damage_to_the_index_folder(tmp_path: Path) -> None:
    corpus, index, generation = built_index(tmp_path)
    (generation / "manifest.json").unlink()
    assert refusal(corpus, index).startswith(
        f"the index at {index} is damaged: {generation.name}/manifest.json: it is missing; "
    )


def test_an_index_of_another_format_is_named_by_its_folder(tmp_path: Path) -> None:
    corpus, index, generation = built_index(tmp_path)
    manifest = json.loads((generation / "manifest.json").read_text())
    (generation / "manifest.json").write_text(json.dumps({**manifest, "format": 99}))
    assert refusal(corpus, index).startswith(f"the index at {index} was built by format 99 ")


@pytest.mark.parametrize(
    ("file", "why"),
    [
        ("headlines.json", "it is not readable JSON"),
        ("article_dates.npy", "No such file or directory"),
        ("articles.jsonl", "No such file or directory"),
    ],
)
def test_a_file_that_fails_after_verifying_is_the_one_named(
    file: str, why: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus, index, generation = built_index(tmp_path)
    monkeypatch.setattr("bot.store.verify_index", lambda *_: None)  # it changed since
    file = f"segments/segment-000000/{file}"
    if file.endswith(".json"):
        (generation / file).write_text("[", encoding="utf-8")
    else:
        (generation / file).unlink()
    message = refusal(corpus, index)
    assert message.startswith(f"the index at {index} is damaged: {generation.name}/{file}: {why}")


# -- 1.9: one rule for a missing date and for text values, in Markdown and JSON Lines ------


@pytest.mark.parametrize("date", [None, "", "  "])
def test_a_json_line_without_a_date_loads_undated_with_a_warning(
    date: str | None, tmp_path: Path
) -> None:
    record = {"headline": "Oil jumps", "body": "Oil rose."}
    if date is not None:
        record["date"] = date
    (tmp_path / "a.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    loaded = load_corpus(tmp_path)
    [article] = loaded.corpus.articles
    assert (article.headline, article.date) == ("Oil jumps", None)
    assert [str(w) for w in loaded.warnings] == [
        f"{tmp_path / 'a.jsonl'}:1: no date, so the article is undated (add a 'date' key)"
    ]
    assert not loaded.warnings[0].skipped


def test_text_values_follow_one_rule_in_both_formats(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text(
        json.dumps(
            {"headline": "Oil jumps", "date": "2020-01-08", "source": 1843, "body": "Oil rose."}
        )
        + "\n"
        + json.dumps(
            {"headline": "Gas", "date": "2020-01-08", "source": ["a"], "body": "Gas fell."}
        )
        + "\n",
        encoding="utf-8",
    )
    (tmp_path / "b.md").write_text(
        "---\nheadline: Gold\ndate: 2020-01-08\nsource: 1843\n---\nGold held.\n", encoding="utf-8"
    )
    loaded = load_corpus(tmp_path)
    assert {a.headline: a.source for a in loaded.corpus.articles} == {
        "Oil jumps": "1843",
        "Gold": "1843",
    }
    assert [str(w) for w in loaded.warnings] == [
        f"{tmp_path / 'a.jsonl'}:2: 'source' must be text, not a list"
    ]


# -- 1.10: one url validator, at load time, and a link() that never raises ------------------


@pytest.mark.parametrize(
    "url",
    ["http://example.com/a b", "https://example.com/" + "a" * 2100, "http://[abc", "ftp://x.org"],
    ids=["space", "too long", "malformed host", "not http"],
)
def test_a_url_discord_would_refuse_is_left_out_at_load(url: str, tmp_path: Path) -> None:
    record = {"headline": "Oil jumps", "date": "2020-01-08", "url": url, "body": "Oil rose."}
    (tmp_path / "a.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    loaded = load_corpus(tmp_path)
    assert loaded.corpus.articles[0].url is None
    [warning] = [str(w) for w in loaded.warnings]
    assert warning.endswith("left out: not an http(s) address")


@pytest.mark.parametrize("url", ["http://[abc", "http://a b", "javascript:alert(1)", ""])
def test_link_refuses_without_raising(url: str) -> None:
    assert link(url) is None


def test_link_keeps_a_web_url() -> None:
    assert link("https://example.com/news?id=1") == "https://example.com/news?id=1"


# -- 1.11: a rebuild does not walk the corpus again to ask if what it built is outdated -----


def test_a_rebuild_does_not_fingerprint_the_corpus_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus, index, _ = built_index(tmp_path)
    fingerprints: list[Path] = []
    real = store.corpus_fingerprint

    def counted(path: Path) -> str:
        fingerprints.append(path)
        return real(path)

    monkeypatch.setattr(store, "corpus_fingerprint", counted)
    monkeypatch.setattr(knowledge_module, "corpus_fingerprint", counted)
    monkeypatch.setattr(updates, "corpus_fingerprint", counted)  # a rebuild updates in place
    rebuilt = rebuild_knowledge(corpus, index)
    assert (rebuilt.outdated, len(rebuilt.corpus.articles)) == (None, 1)
    assert fingerprints == [corpus]  # the one taken before reading it


# -- 1.13: a build the bot's user can read; head is not an error; Knowledge knows its source --


def test_a_generation_is_readable_by_other_users(tmp_path: Path) -> None:
    _, _, generation = built_index(tmp_path)
    assert generation.stat().st_mode & 0o777 == 0o755


def test_output_cut_short_by_head_exits_0(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "news")
    script = f"{sys.executable} -m bot --corpus {corpus} ask - | head -n 1 > /dev/null; "
    result = subprocess.run(
        ["bash", "-c", script + "exit ${PIPESTATUS[0]}"],
        input="Which base was struck?\n" * 2000,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stderr) == (0, "")


def test_knowledge_says_whether_it_came_from_an_index_folder(tmp_path: Path) -> None:
    corpus, index, _ = built_index(tmp_path)
    assert load_knowledge(corpus, index).from_index
    assert not load_knowledge(corpus, None).from_index
