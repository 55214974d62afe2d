"""The terminal front end: what a person or a script sees from `coverage-bot`."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Settings

BUNDLED_CORPUS = Path(__file__).resolve().parent.parent / "corpus"
MISSILES = "How many missiles did Iran launch?"


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No developer's .env or settings leak into these tests."""
    monkeypatch.chdir(tmp_path)
    for name in ("COVERAGE_BOT_CORPUS", "COVERAGE_BOT_TOP"):
        monkeypatch.delenv(name, raising=False)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_ask_prints_headline_passage_and_date(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "ask", MISSILES)
    assert (code, err) == (0, "")
    assert "Signs of respite with Iran despite Trump's red line" in out
    assert "more than a dozen ballistic missiles" in out
    assert "Jan 8, 2020" in out


def test_ask_json_has_the_answer_fields(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ask", MISSILES, "--json", "--top", "2")
    record = json.loads(out)
    assert code == 0
    assert record["question"] == MISSILES
    assert set(record["answer"]) == {
        "passage", "headline", "date", "source", "url", "article_id", "passage_id", "score",
        "sentence",
    }  # fmt: skip
    assert record["answer"]["headline"] == (
        'Trump says "all is well" after Iranian strikes on bases hosting U.S. troops'
    )
    assert record["answer"]["date"] == "2020-01-08"
    assert record["answer"]["article_id"] == "trump-says-all-is-well-after-iranian-bbd2fd"
    assert "more than a dozen ballistic missiles" in record["answer"]["passage"]
    assert len(record["results"]) == 2
    assert record["results"][0]["passage_id"] == record["answer"]["passage_id"]


def test_a_corrected_question_says_how_it_was_read(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ask", "How many missles did Iran lanch?")
    assert code == 0
    assert out.splitlines()[0] == "Read as: How many missiles did Iran launch?"
    assert "more than a dozen ballistic missiles" in out
    _, out, _ = run(capsys, "ask", "How many missles did Iran lanch?", "--json")
    record = json.loads(out)
    assert record["question"] == "How many missles did Iran lanch?"
    assert record["read_as"] == "How many missiles did Iran launch?"
    _, out, _ = run(capsys, "ask", MISSILES)
    assert "Read as" not in out
    _, out, _ = run(capsys, "ask", MISSILES, "--json")
    assert json.loads(out)["read_as"] is None


@pytest.mark.parametrize(
    "command",
    [["summary"], ["ask", "What did Trump tweet?"], ["articles"]],
    ids=["summary", "ask", "articles"],
)
def test_output_to_a_file_has_no_blanks_at_line_ends(tmp_path: Path, command: list[str]) -> None:
    """rich leaves a blank at the end of a line it wraps where a word ends; a file, a diff
    or a script reading the output would keep it."""
    written = tmp_path / "out.txt"
    with written.open("w", encoding="utf-8") as out:
        subprocess.run(
            [sys.executable, "-m", "bot", "--corpus", str(BUNDLED_CORPUS), *command],
            stdout=out,
            env={**os.environ, "COLUMNS": "80"},
            check=True,
            timeout=120,
        )
    lines = written.read_text(encoding="utf-8").splitlines()
    assert len(lines) > 5
    assert [line for line in lines if line != line.rstrip()] == []


def test_chat_whose_reader_stopped_reading_ends_quietly_with_status_0() -> None:
    """``coverage-bot chat | head -1``: an answer written after the reader is gone is a
    stop, as for every command, where rich had exited with status 1."""
    chat = subprocess.Popen(
        [sys.executable, "-m", "bot", "--corpus", str(BUNDLED_CORPUS), "chat"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert chat.stdout is not None and chat.stdin is not None
    assert chat.stdout.readline().startswith(b"Ask about the coverage")
    chat.stdout.close()  # the reader goes; only then is a question asked
    _, err = chat.communicate(f"{MISSILES}\n".encode(), timeout=120)
    assert (chat.returncode, err) == (0, b"")


def test_off_topic_question_is_declined_plainly(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ask", "What is the capital of France?")
    assert code == 0
    assert "The coverage doesn't answer that." in out
    _, out, _ = run(capsys, "ask", "What is the capital of France?", "--json")
    assert json.loads(out)["answer"] is None


def test_batch_reads_one_question_a_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    questions = f"{MISSILES}\nWho won the World Series?\n\n".encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(questions)))
    code, out, _ = run(capsys, "ask", "-")
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert [r["question"] for r in records] == [MISSILES, "Who won the World Series?", ""]
    assert "more than a dozen" in records[0]["answer"]["passage"]
    assert records[1]["answer"] is None
    assert records[2]["answer"] is None and "Ask a question" in records[2]["error"]


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ("   ", "Ask a question about the coverage"),
        ("x" * 5000, "5,000 characters long"),
        ("🚀🚀", "no words to search for"),
    ],
)
def test_bad_question_gets_a_message_and_exit_2(
    capsys: pytest.CaptureFixture[str], question: str, message: str
) -> None:
    code, out, err = run(capsys, "ask", question)
    assert code == 2
    assert message in err
    assert "Traceback" not in out + err


def test_articles_lists_what_was_loaded(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "articles", "--json")
    articles = json.loads(out)
    assert code == 0
    assert [(a["headline"], a["passages"]) for a in articles] == [
        ("Top Iranian official appears to mimic Trump tweet from Soleimani's killing", 2),
        ('Trump says "all is well" after Iranian strikes on bases hosting U.S. troops', 20),
        ("Signs of respite with Iran despite Trump's red line", 2),
        ('Trump responds to missile strikes: "Iran appears to be standing down"', 2),
    ]
    _, table, _ = run(capsys, "articles")
    assert "trump-says-all-is-well-after-iranian-bbd2fd" in table


def test_corpus_option_and_warnings_for_bad_files(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    corpus = tmp_path / "mine"
    corpus.mkdir()
    (corpus / "a.md").write_text("---\nheadline: Oil jumps\ndate: 2020-01-08\n---\nOil rose 4%.\n")
    (corpus / "b.jsonl").write_text("{broken\n")
    code, out, err = run(capsys, "--corpus", str(corpus), "ask", "Why did oil jump?")
    assert code == 0
    assert "Oil jumps" in out
    assert f"warning: skipped {corpus / 'b.jsonl'}:1: not valid JSON" in err


def test_empty_corpus_says_there_is_nothing_to_answer_from(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(capsys, "--corpus", str(tmp_path), "ask", MISSILES)
    assert code == 1
    assert "has no articles with text" in err


def test_missing_corpus_names_the_setting(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COVERAGE_BOT_CORPUS", "/nonexistent/corpus")
    code, _, err = run(capsys, "ask", MISSILES)
    assert code == 1
    assert "no corpus at /nonexistent/corpus" in err
    assert "COVERAGE_BOT_CORPUS" in err
    code, _, err = run(capsys, "--corpus", "/nonexistent/other", "ask", MISSILES)
    assert err == (  # the path given, named: no setting to suggest
        "coverage-bot: no corpus at /nonexistent/other: it is neither a folder nor a file\n"
    )


def test_bad_setting_is_named(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COVERAGE_BOT_TOP", "many")
    code, _, err = run(capsys, "ask", MISSILES)
    assert code == 2
    assert "COVERAGE_BOT_TOP" in err


def test_settings_come_from_dot_env(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"COVERAGE_BOT_CORPUS={tmp_path / 'empty'}\n")
    (tmp_path / "empty").mkdir()
    code, _, err = run(capsys, "ask", MISSILES)
    assert code == 1
    assert "has no articles with text" in err


def test_chat_answers_until_end_of_input(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        sys, "stdin", io.StringIO(f"{MISSILES}\n🚀\nWhat is the capital of France?\n")
    )
    code, out, _ = run(capsys, "chat")
    assert code == 0
    assert "4 articles, 26 passages" in out
    assert "more than a dozen ballistic missiles" in out
    assert "no words to search for" in out
    assert "The coverage doesn't answer that." in out


def test_python_dash_m_runs_the_same_command(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--corpus", str(BUNDLED_CORPUS), "ask", MISSILES, "--json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "more than a dozen" in json.loads(result.stdout)["answer"]["passage"]


def test_env_example_lists_every_setting() -> None:
    example = (BUNDLED_CORPUS.parent / ".env.example").read_text()
    names = {
        field.validation_alias
        if isinstance(field.validation_alias, str)
        else f"COVERAGE_BOT_{n.upper()}"
        for n, field in Settings.model_fields.items()
    }
    assert {name for name in names if f"{name}=" not in example} == set()


def test_summary_of_the_story_with_sources(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "summary", "--json", "--sentences", "3")
    summary = json.loads(out)
    assert code == 0
    assert summary["title"] == "The story so far"
    assert len(summary["sentences"]) == 3
    assert set(summary["sentences"][0]) == {"text", "article_id", "headline", "date"}


def test_summary_of_an_article_and_of_a_topic(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "summary", "--article", "respite")
    assert code == 0
    assert out.startswith("Signs of respite with Iran despite Trump's red line\n")
    code, out, _ = run(capsys, "summary", "--topic", "Khamenei")
    assert code == 0
    assert out.startswith("What the coverage says about Khamenei\n")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--article", "moon landing"],
            "No article matches “moon landing”. `coverage-bot articles` lists them.",
        ),
        (["--topic", ""], "Name a topic in a few words"),
        (["--topic", "y" * 2000], "That topic is 2,000 characters long"),
        (["--sentences", "40"], "A summary has 1 to 12 sentences, not 40."),
    ],
)
def test_summary_bad_input_gets_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, "summary", *argv)
    assert code == 2
    assert message in err
    assert "Traceback" not in out + err


def test_summary_of_an_empty_corpus(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "--corpus", str(tmp_path), "summary")
    assert code == 1
    assert "has no articles with text" in err


def test_evaluate_prints_retrieval_and_rouge_figures(capsys: pytest.CaptureFixture[str]) -> None:
    data = Path(__file__).parent / "data"
    code, out, _ = run(
        capsys,
        "evaluate",
        "--questions",
        str(data / "questions.jsonl"),
        "--summaries",
        str(data / "reference_summaries.json"),
    )
    assert code == 0
    hit_at_1 = next(line for line in out.splitlines() if line.startswith("Hit@1"))
    assert hit_at_1.split() == ["Hit@1", "0.833", "0.972"]  # BM25 alone, then all stages
    assert out.splitlines()[-1].startswith("mean ")


def test_ctrl_c_while_the_command_loads_ends_quietly_with_130() -> None:
    # The interrupt comes as bot.cli is imported, as a real Ctrl-C in the first second does.
    script = (
        "import sys\n"
        "class Interrupted:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'bot.cli':\n"
        "            raise KeyboardInterrupt\n"
        "sys.meta_path.insert(0, Interrupted())\n"
        "from bot.__main__ import run\n"
        "sys.exit(run())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert (done.returncode, done.stderr) == (130, "")


def test_output_a_terminal_cannot_encode_shows_as_question_marks(tmp_path: Path) -> None:
    environment = {**os.environ, "PYTHONIOENCODING": "ascii", "COVERAGE_BOT_CORPUS": ""}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "--corpus", str(BUNDLED_CORPUS), "summary"],
        capture_output=True,
        text=True,
        encoding="ascii",
        errors="strict",
        timeout=120,
        check=False,
        env=environment,
        cwd=tmp_path,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines()[1].startswith("? President Trump tweeted")  # "•" as "?"


@pytest.mark.parametrize("asked", [["--help"], ["--version"], ["ask", "--help"]])
def test_help_and_version_that_cannot_be_written_fail_as_output_does(asked: list[str]) -> None:
    with open("/dev/full", "w") as full:  # a full disk behind "> file"
        done = subprocess.run(
            [sys.executable, "-m", "bot", *asked],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    assert (done.returncode, done.stderr) == (
        1,
        "coverage-bot: cannot write the output: No space left on device\n",
    )


def test_json_on_output_that_is_not_utf8_loses_no_letter(tmp_path: Path) -> None:
    headline = "Café owner Nguyễn wins award"
    (tmp_path / "award.md").write_text(
        f"---\nheadline: {headline}\ndate: 2025-05-01\n---\nShe won.\n", encoding="utf-8"
    )
    done = subprocess.run(
        [sys.executable, "-m", "bot", "--corpus", str(tmp_path), "articles", "--json"],
        capture_output=True,
        text=True,
        encoding="ascii",
        timeout=120,
        check=False,
        env={**os.environ, "PYTHONIOENCODING": "ascii"},
    )
    assert done.returncode == 0
    assert [a["headline"] for a in json.loads(done.stdout)] == [headline]
