"""One rule for each thing a person types: options in either place, settings as a reader
writes them, an ending to `chat`, declines that exit 0, and examples from their own coverage."""

from __future__ import annotations

import errno
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import _system_error, build_parser, main
from bot.config import load_settings
from bot.knowledge import load_knowledge

BUNDLED_CORPUS = Path(__file__).resolve().parent.parent / "corpus"
MISSILES = "How many missiles did Iran launch?"
BUS_STRIKE = """\
---
headline: Transit drivers strike, halting every city bus
date: 2024-03-19
---
Metro Transit drivers walked off the job on Monday after talks with the city failed.

Union president Dana Ruiz said the drivers would stay out until wages rise.
"""


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No developer's .env or settings leak into these tests."""
    monkeypatch.chdir(tmp_path)
    for name in ("COVERAGE_BOT_CORPUS", "COVERAGE_BOT_TOP", "COVERAGE_BOT_INDEX", "HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))


@pytest.fixture
def bus_corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "strike.md").write_text(BUS_STRIKE, encoding="utf-8")
    return folder


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_corpus_may_follow_the_command(
    capsys: pytest.CaptureFixture[str], bus_corpus: Path
) -> None:
    code, out, err = run(capsys, "ask", "Who is the union president?", "--corpus", str(bus_corpus))
    assert (code, err) == (0, "")
    assert "Dana Ruiz" in out
    code, out, _ = run(capsys, "articles", "--json", "--corpus", str(bus_corpus))
    assert [a["headline"] for a in json.loads(out)] == [
        "Transit drivers strike, halting every city bus"
    ]


def test_corpus_before_the_command_still_counts(
    capsys: pytest.CaptureFixture[str], bus_corpus: Path
) -> None:
    code, out, _ = run(capsys, "--corpus", str(bus_corpus), "articles", "--json")
    assert code == 0
    assert len(json.loads(out)) == 1


def test_index_takes_its_corpus_as_the_other_commands_do(
    capsys: pytest.CaptureFixture[str],
    bus_corpus: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("COVERAGE_BOT_CORPUS", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env
    for n, argv in enumerate(
        (
            ["--corpus", str(bus_corpus), "index", "--out", "a"],
            ["index", "--corpus", str(bus_corpus), "--out", "b"],
            ["index", str(bus_corpus), "--out", "c"],
        )
    ):
        assert run(capsys, *argv)[:2] == (0, f"index written to {'abc'[n]}\n")
        found = load_knowledge(bus_corpus, tmp_path / "abc"[n]).corpus.articles
        headlines = [a.headline for a in found]
        assert headlines == ["Transit drivers strike, halting every city bus"]
    assert run(capsys, "index", "--out", "d") == (
        2,
        "",
        "coverage-bot: name the coverage to index: coverage-bot index CORPUS_PATH --out "
        "INDEX_DIR\n",
    )
    assert not (tmp_path / "d").exists()


def test_tilde_is_the_home_folder_in_options_and_settings(
    capsys: pytest.CaptureFixture[str], bus_corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = run(capsys, "--corpus=~/news", "articles", "--json")
    assert code == 0
    assert len(json.loads(out)) == 1
    monkeypatch.setenv("COVERAGE_BOT_CORPUS", "~/news")
    assert load_settings().corpus == bus_corpus
    code, out, _ = run(capsys, "ask", "Who is the union president?", "--json")
    assert json.loads(out)["answer"]["source"] == "strike.md"


def test_log_level_in_lower_case_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COVERAGE_BOT_LOG_LEVEL", "debug")
    assert load_settings().log_level == "DEBUG"
    monkeypatch.setenv("COVERAGE_BOT_LOG_LEVEL", "loud")
    with pytest.raises(ValueError, match="COVERAGE_BOT_LOG_LEVEL"):
        load_settings()


@pytest.mark.parametrize("where", ["option", "setting"])
def test_top_has_one_range_on_the_command_line_and_in_settings(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    monkeypatch.setenv("COVERAGE_BOT_TOP", "3")
    if where == "option":
        code, out, err = run(capsys, "ask", MISSILES, "--top", "25")
    else:
        monkeypatch.setenv("COVERAGE_BOT_TOP", "25")
        code, out, err = run(capsys, "ask", MISSILES)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert "20" in err
    monkeypatch.delenv("COVERAGE_BOT_TOP")
    code, out, _ = run(capsys, "ask", MISSILES, "--json", "--top", "20")
    assert code == 0
    assert len(json.loads(out)["results"]) == 18  # every passage that shares a word


def test_a_topic_the_coverage_lacks_is_a_decline_with_exit_0(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "summary", "--topic", "the Olympics")
    assert (code, err) == (0, "")
    assert out == "There is nothing in the coverage about the Olympics.\n"
    code, out, _ = run(capsys, "summary", "--topic", "the Olympics", "--json")
    assert code == 0
    assert json.loads(out) == {
        "title": None,
        "sentences": [],
        "declined": "There is nothing in the coverage about the Olympics.",
    }


def test_examples_in_messages_come_from_the_loaded_coverage(
    capsys: pytest.CaptureFixture[str], bus_corpus: Path
) -> None:
    code, _, err = run(capsys, "--corpus", str(bus_corpus), "ask", "   ")
    assert code == 2
    assert err == (
        "coverage-bot: Ask a question about the coverage, for example: What does the coverage "
        "say about “Transit drivers strike, halting every city bus”?\n"
    )
    code, _, err = run(capsys, "--corpus", str(bus_corpus), "summary", "--topic", "")
    assert (
        err == "coverage-bot: Name a topic in a few words, for example: transit, drivers, strike.\n"
    )
    assert "Iran" not in err


def test_the_suggested_question_is_answered(capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "ask", "🙂")
    suggested = capsys.readouterr()  # nothing left: the message came with the exit
    code, _, err = run(capsys, "ask", "🙂")
    question = err.split("for example: ", 1)[1].strip()
    code, out, _ = run(capsys, "ask", question, "--json")
    assert suggested.err == ""
    assert code == 0
    assert json.loads(out)["answer"] is not None


@pytest.mark.parametrize("ending", ["quit", "Exit", "q", "bye."])
def test_chat_ends_on_quit_words_instead_of_asking_them(ending: str, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--corpus", str(BUNDLED_CORPUS), "chat"],
        input=f"{MISSILES}\n{ending}\nWhat did Khamenei say?\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0
    assert "more than a dozen ballistic missiles" in result.stdout
    assert "Khamenei" not in result.stdout.split("ballistic missiles", 1)[1]
    assert "Traceback" not in result.stderr
    # Piped in, no prompt: each line of the transcript stays within its 80 columns.
    assert max(len(line) for line in result.stdout.splitlines()) <= 80
    assert not any(line.startswith("? ") for line in result.stdout.splitlines())


def _run_bot(tmp_path: Path, token_line: str | None) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    if token_line is not None:
        (tmp_path / ".env").write_text(token_line + "\n", encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("token_line", [None, "DISCORD_TOKEN=", "DISCORD_TOKEN=   "])
def test_a_blank_token_is_the_same_as_no_token(tmp_path: Path, token_line: str | None) -> None:
    result = _run_bot(tmp_path, token_line)
    assert result.returncode == 2
    assert result.stderr.startswith("coverage-bot: DISCORD_TOKEN is not set.")


def test_output_piped_into_head_ends_without_a_traceback() -> None:
    questions = "\n".join(["How many missiles did Iran launch?"] * 200) + "\n"
    script = (
        f"{sys.executable} -m bot --corpus {BUNDLED_CORPUS} ask - | head -n 1 > /dev/null; "
        "exit ${PIPESTATUS[0]}"
    )
    result = subprocess.run(
        ["bash", "-c", script],
        input=questions,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "Traceback" not in result.stderr
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("command", "stdin"),
    [(["ask", MISSILES], None), (["ask", "-"], MISSILES + "\n"), (["articles", "--json"], None)],
)
def test_output_that_cannot_be_written_is_one_line_not_a_traceback(
    command: list[str], stdin: str | None
) -> None:
    # /dev/full is what a full disk looks like to `coverage-bot ask ... > answers.txt`.
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "bot", "--corpus", str(BUNDLED_CORPUS), *command],
            input=stdin,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 1
    assert result.stderr == "coverage-bot: cannot write the output: No space left on device\n"


@pytest.mark.parametrize("subject", [[], ["--article", "respite"], ["--topic", "Khamenei"]])
def test_zero_summary_sentences_is_refused_not_read_as_the_default(
    capsys: pytest.CaptureFixture[str], subject: list[str]
) -> None:
    code, out, err = run(capsys, "summary", *subject, "--sentences", "0")
    assert (code, out) == (2, "")
    assert err == "coverage-bot: A summary has 1 to 12 sentences, not 0.\n"


def test_articles_lists_the_index_it_is_given(
    capsys: pytest.CaptureFixture[str], bus_corpus: Path, tmp_path: Path
) -> None:
    from bot.knowledge import build_index

    build_index(bus_corpus, tmp_path / "index")
    code, out, err = run(capsys, "articles", "--json", "--index", str(tmp_path / "index"))
    assert (code, err) == (0, "")
    assert [a["headline"] for a in json.loads(out)] == [
        "Transit drivers strike, halting every city bus"
    ]


def test_corpus_beside_an_index_is_said_to_be_unused(
    capsys: pytest.CaptureFixture[str], bus_corpus: Path, tmp_path: Path
) -> None:
    from bot.knowledge import build_index

    build_index(bus_corpus, tmp_path / "index")
    index = str(tmp_path / "index")
    code, _, err = run(capsys, "--corpus", str(BUNDLED_CORPUS), "articles", "--index", index)
    assert code == 0
    assert err == (
        f"warning: answering from the index at {index}, built from {bus_corpus}; "
        f"--corpus {BUNDLED_CORPUS} is not used\n"
    )


def test_articles_of_an_empty_corpus_fails_like_ask(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "empty").mkdir()
    for command in (["articles"], ["ask", "Who?"]):
        code, out, err = run(capsys, "--corpus", str(tmp_path / "empty"), *command)
        assert (code, out) == (1, "")
        assert "has no articles with text" in err


def test_an_unquoted_question_is_read_whole(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ask", "How", "many", "missiles", "did", "Iran", "launch?", "--json")
    assert code == 0
    assert json.loads(out)["question"] == MISSILES


@pytest.mark.parametrize("value", ["nan", "inf", "5", "-1", "abc"])
def test_a_decline_threshold_outside_what_evidence_can_be_is_refused(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("COVERAGE_BOT_DECLINE_THRESHOLD", value)
    code, out, err = run(capsys, "ask", MISSILES)
    assert (code, out) == (2, "")
    assert err.startswith("coverage-bot: COVERAGE_BOT_DECLINE_THRESHOLD must be a number from 0")


def test_a_question_file_saved_with_a_byte_order_mark_is_read(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COVERAGE_BOT_SEMANTIC", "false")
    monkeypatch.setenv("COVERAGE_BOT_ANSWER_CHECK", "false")
    questions = tmp_path / "questions.jsonl"
    line = json.dumps({"question": MISSILES, "passages": ["more than a dozen"]})
    questions.write_bytes(b"\xef\xbb\xbf" + line.encode() + b"\n")
    code, out, err = run(capsys, "evaluate", "--questions", str(questions))
    assert (code, err) == (0, "")
    assert out.splitlines()[1].split() == ["answerable", "questions", "1"]


def test_a_corpus_folder_given_as_an_index_says_what_to_do_instead(
    capsys: pytest.CaptureFixture[str], bus_corpus: Path
) -> None:
    code, out, err = run(capsys, "ask", "Who?", "--index", str(bus_corpus))
    assert (code, out) == (1, "")
    assert err == (
        f"coverage-bot: {bus_corpus} is not an index folder (coverage-bot wrote no index "
        "there); to answer from the coverage in it, pass it with --corpus, or build an index "
        f"of it with: coverage-bot index {bus_corpus} --out NEW_FOLDER\n"
    )
    assert (bus_corpus / "strike.md").read_text(encoding="utf-8") == BUS_STRIKE


@pytest.mark.parametrize("what", ["a file", "a folder of ones own with a CURRENT", "binary"])
def test_what_coverage_bot_did_not_write_given_as_an_index_is_never_to_be_rebuilt(
    capsys: pytest.CaptureFixture[str], bus_corpus: Path, tmp_path: Path, what: str
) -> None:
    """A file, or someone's folder that happens to hold a file named CURRENT, is not an
    index: the message must not suggest rebuilding there (which is refused, as the
    folder holds files coverage-bot did not write)."""
    given = bus_corpus / "strike.md"
    if what != "a file":
        given = tmp_path / "mine"
        given.mkdir()
        (given / "CURRENT").write_bytes(b"\xff\xfe\x00" if what == "binary" else b"draft 3\n")
    code, out, err = run(capsys, "ask", "Who?", "--index", str(given))
    assert (code, out) == (1, "")
    kind = "is a file, not an index folder" if what == "a file" else "is not an index folder"
    assert err.startswith(f"coverage-bot: {given} {kind}")
    assert err.endswith(f"build an index of it with: coverage-bot index {given} --out NEW_FOLDER\n")
    assert "rebuild" not in err
    assert (bus_corpus / "strike.md").read_text(encoding="utf-8") == BUS_STRIKE


def test_a_topic_partly_in_the_coverage_is_summarised_not_declined(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    news = tmp_path / "fire"
    news.mkdir()
    (news / "power.md").write_text(
        "---\nheadline: Northline cuts power as fire spreads\ndate: 2024-08-14\n---\n"
        "Northline Electric cut power to about 9,000 customers on Tuesday as the fire "
        "spread toward its lines.\n\nCrews expect to restore service by Friday.\n",
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "--corpus", str(news), "summary", "--topic", "power outage")
    assert code == 0
    assert out.splitlines()[0] == "What the coverage says about power outage"
    assert "cut power to about 9,000 customers" in out
    code, out, _ = run(capsys, "--corpus", str(news), "summary", "--topic", "Olympic medals")
    assert (code, out) == (0, "There is nothing in the coverage about Olympic medals.\n")


def test_evaluate_without_a_set_says_what_it_needs(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "evaluate") == (
        2,
        "",
        "coverage-bot: evaluate needs one or more of --questions FILE, --summaries FILE, "
        "--squad FILE\n",
    )


def test_an_error_of_the_system_no_command_expected_is_one_line_naming_its_files(
    capsys: pytest.CaptureFixture[str],
) -> None:
    error = OSError(errno.EACCES, "Permission denied", "news/.a.tmp", None, "news/a.md")
    assert _system_error(error) == 1
    assert _system_error(TimeoutError()) == 1
    assert capsys.readouterr().err == (
        "coverage-bot: Permission denied (news/.a.tmp -> news/a.md)\ncoverage-bot: TimeoutError\n"
    )


@pytest.mark.parametrize(
    ("lines", "why"),
    [
        ([], "the question set {path} holds no questions"),
        ([{"question": " ", "passages": []}], "{path}:1: the question is empty"),
        (
            [{"question": MISSILES, "passages": [""]}],
            "{path}:1: a passage is empty (it would match every passage); give words the "
            "right passage holds, or [] for an off-topic question",
        ),
    ],
)
def test_a_question_set_that_can_measure_nothing_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, lines: list[object], why: str
) -> None:
    questions = tmp_path / "questions.jsonl"
    questions.write_text("".join(json.dumps(line) + "\n" for line in lines) + "\n")
    assert run(capsys, "evaluate", "--questions", str(questions)) == (
        2,
        "",
        f"coverage-bot: {why.format(path=questions)}\n",
    )


def test_an_expected_passage_no_passage_holds_is_a_warning_and_the_figures_follow(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COVERAGE_BOT_SEMANTIC", "false")
    monkeypatch.setenv("COVERAGE_BOT_ANSWER_CHECK", "false")
    questions = tmp_path / "questions.jsonl"
    cases = [
        {"question": MISSILES, "passages": ["more than a dozen"]},
        {"question": "What did Khamenei say?", "passages": ["Khamenei’s sppech"]},  # typo
    ]
    questions.write_text("".join(json.dumps(case) + "\n" for case in cases))
    code, out, err = run(capsys, "evaluate", "--questions", str(questions), "--calibrate")
    assert code == 0
    assert err == (
        "warning: no passage holds 'Khamenei’s sppech', as written, so its question can only "
        "be missed\n"
    )
    assert out.splitlines()[1].split() == ["answerable", "questions", "2"]
    assert out.splitlines()[-1] == (
        "(found on 2 answerable questions, fewer than the 20 --save asks for: one question "
        "moves it)"
    )


@pytest.mark.parametrize("question", ["-how many missiles?", "-hi"])
def test_a_question_read_as_an_option_says_how_to_ask_it(
    capsys: pytest.CaptureFixture[str], question: str
) -> None:
    with pytest.raises(SystemExit) as exited:  # a usage error from argparse itself
        build_parser().parse_args(["ask", question])
    assert exited.value.code == 2
    assert (
        capsys.readouterr()
        .err.splitlines()[-1]
        .endswith('; a question that starts with - goes after --: coverage-bot ask -- "-5 C?"')
    )


def test_ctrl_c_during_an_index_build_says_the_folder_is_as_it_was(
    capsys: pytest.CaptureFixture[str],
    bus_corpus: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def interrupted(*_: object, **__: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("bot.cli.build_index", interrupted)
    out = tmp_path / "idx"
    assert run(capsys, "index", str(bus_corpus), "--out", str(out)) == (
        130,
        "",
        f"stopped: the index at {out} is as it was\n",
    )
