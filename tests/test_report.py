"""What editors read from the question log: `coverage-bot report` and the report behind /report."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import sqlite3
from pathlib import Path

import pytest
from PIL import Image

from bot.answer import Answer
from bot.cli import main
from bot.report import build_report, chart_png, report_lines
from bot.state.database import StateDatabase, database_url
from bot.state.question_log import AskedQuestion, QuestionLog

DAY = dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC)
FARES = "Fares Suspended During Strike"


async def logged(state: Path, guild: int = 1) -> StateDatabase:
    """A log with answered and declined questions over three days, and some votes."""
    database = await StateDatabase.open(database_url(None, state))
    log = QuestionLog(database)
    fares = AskedQuestion("Are buses free?", True, guild, 2, "fares", FARES, "Rides are free.", 5.0)
    first = await log.record(fares, at=DAY)
    await log.record(fares, at=DAY + dt.timedelta(days=1))
    await log.record(
        AskedQuestion("Who leads the union?", True, guild, 2, "u", "Union Vote", "Delgado.", 4.0),
        at=DAY + dt.timedelta(days=1),
    )
    gap = ("How much is a monthly pass?", "Monthly pass price?", "monthly passes")
    for words in gap:
        await log.record(AskedQuestion(words, False, guild, 2), at=DAY + dt.timedelta(days=2))
    await log.record(AskedQuestion("Is the subway open?", False, guild, 2), at=DAY)
    for member in (1, 2, 3):
        await log.vote(first, member, helpful=member == 3)
    return database


async def test_the_report_counts_groups_gaps_and_lists_votes_and_articles(tmp_path: Path) -> None:
    database = await logged(tmp_path / "state")
    report = await build_report(database)
    await database.close()
    assert (report.asked, report.answered) == (7, 3)
    gap_last = "monthly passes"
    top_gap = report.gaps[0]
    assert (top_gap.terms, top_gap.count, top_gap.example) == (("month", "pass"), 3, gap_last)
    assert [(v.headline, v.not_helpful, v.helpful) for v in report.not_helpful] == [(FARES, 2, 1)]
    assert [(a.headline, a.answers) for a in report.articles] == [(FARES, 2), ("Union Vote", 1)]
    assert [(d.day.isoformat(), d.answered, d.declined) for d in report.days] == [
        ("2026-03-02", 1, 1),
        ("2026-03-03", 2, 0),
        ("2026-03-04", 0, 3),
    ]


async def test_a_misspelt_question_counts_in_the_gap_of_the_words_it_was_read_as(
    tmp_path: Path,
) -> None:
    database = await StateDatabase.open(database_url(None, tmp_path / "state"))
    log = QuestionLog(database)
    typed = "Is the subwya open on Sundya?"
    read = "Is the subway open on Sunday?"
    declined = Answer(typed, None, None, (), read_as=read)
    assert AskedQuestion.of(declined, 1, 2).read_as == read
    await log.record(AskedQuestion.of(declined, 1, 2), at=DAY)
    await log.record(AskedQuestion("Is the subway open on Sunday?", False, 1, 2), at=DAY)
    await log.record(AskedQuestion("Who drives the trams?", False, 1, 2), at=DAY)
    report = await build_report(database)
    await database.close()
    assert [(gap.terms, gap.count) for gap in report.gaps] == [
        (("open", "subway", "sunday"), 2),
        (("drive", "tram"), 1),
    ]


async def test_a_servers_report_holds_only_its_own_questions(tmp_path: Path) -> None:
    database = await logged(tmp_path / "state", guild=1)
    await QuestionLog(database).record(AskedQuestion("Server B asks?", False, 2, 3), at=DAY)
    mine = await build_report(database, guild_id=1)
    theirs = await build_report(database, guild_id=2)
    await database.close()
    assert mine.asked == 7
    assert (theirs.asked, theirs.gaps[0].example) == (1, "Server B asks?")


async def test_since_leaves_out_earlier_days(tmp_path: Path) -> None:
    database = await logged(tmp_path / "state")
    report = await build_report(database, since=dt.date(2026, 3, 4))
    await database.close()
    assert (report.asked, report.answered) == (3, 0)


async def test_the_chart_is_a_png_of_questions_per_day(tmp_path: Path) -> None:
    database = await logged(tmp_path / "state")
    png = chart_png(await build_report(database))
    await database.close()
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (800, 350)


def log_and_close(state: Path) -> None:
    async def work() -> None:
        await (await logged(state)).close()

    asyncio.run(work())


@pytest.fixture
def state_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COVERAGE_BOT_STATE_DIR", str(tmp_path / "state"))
    return tmp_path / "state"


def test_report_command_prints_the_figures_and_the_gaps(
    state_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log_and_close(state_env)
    assert main(["report"]) == 0
    out = capsys.readouterr().out
    assert "Questions asked: 7" in out
    assert "Answered: 3 (43%); declined: 4" in out
    assert "  3 x month pass: monthly passes" in out
    assert f"  2 not helpful, 1 helpful: {FARES}: Rides are free." in out


def test_report_json_and_chart_file(state_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log_and_close(state_env)
    chart = state_env.parent / "chart.png"
    assert main(["report", "--json", "--since", "2026-03-03", "--chart", str(chart)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["asked"], data["answered"], data["since"]) == (5, 2, "2026-03-03")
    assert Image.open(chart).format == "PNG"
    assert main(["report", "--chart", str(chart)]) == 1  # never over an existing file
    assert "already exists" in capsys.readouterr().err


def test_report_without_a_database_says_so_in_one_line(
    state_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no questions have been logged yet" in err
    assert not state_env.exists()  # reading a report creates nothing


def test_report_with_a_bad_date_says_how_to_write_it(
    state_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--since", "last week"]) == 2  # a bad option
    assert "--since takes a date as YYYY-MM-DD, not 'last week'" in capsys.readouterr().err


def test_a_readers_escape_sequences_and_line_breaks_never_reach_the_terminal(
    state_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async def work() -> None:
        database = await StateDatabase.open(database_url(None, state_env))
        hostile = "evil \x1b[2J\x1b[31mRED\x1b[0m\nterminal " + "long " * 100 + "?"
        await QuestionLog(database).record(AskedQuestion(hostile, False, 1, 2), at=DAY)
        await database.close()

    asyncio.run(work())
    assert main(["report"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out
    [gap] = [line for line in out.splitlines() if line.startswith("  1 x ")]
    assert "evil RED terminal long" in gap and gap.endswith("…")
    assert len(gap) < 200


async def test_gaps_past_the_listed_five_are_counted_and_ties_go_most_recent_first(
    tmp_path: Path,
) -> None:
    database = await StateDatabase.open(database_url(None, tmp_path / "state"))
    log = QuestionLog(database)
    topics = ["parking", "cafeteria", "visiting", "pharmacy", "chapel", "helipad", "laundry"]
    for hour, topic in enumerate(topics):  # each asked once, an hour apart
        asked = AskedQuestion(f"Is the {topic} open?", False, 1, 2)
        await log.record(asked, at=DAY + dt.timedelta(hours=hour))
    report = await build_report(database)
    await database.close()
    assert [gap.example for gap in report.gaps] == [
        "Is the laundry open?",
        "Is the helipad open?",
        "Is the chapel open?",
        "Is the pharmacy open?",
        "Is the visiting open?",
    ]  # the latest first, not alphabetical
    assert (report.unlisted_gaps, report.unlisted_gap_questions) == (2, 2)
    assert "  and 2 more gaps (2 questions), each asked as often or less" in report_lines(report)


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("notaurl", "Could not parse SQLAlchemy URL from given URL string"),
        ("mysql://u:secret@127.0.0.1:badport/db", "invalid literal for int() with base 10"),
    ],
)
def test_a_malformed_database_url_is_one_line_without_its_password(
    state_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    url: str,
    why: str,
) -> None:
    monkeypatch.setenv("COVERAGE_BOT_DATABASE_URL", url)
    assert main(["report"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(
        "coverage-bot: COVERAGE_BOT_DATABASE_URL is not a database URL SQLAlchemy reads: "
    )
    assert err.count("\n") == 1 and why in err and "secret" not in err


def damage(state: Path, sql: str) -> None:
    """Change the log outside the bot, as a hand or a tool might."""
    with sqlite3.connect(state / "coverage-bot.sqlite3") as log:
        log.execute(sql)


def test_a_row_changed_outside_the_bot_is_one_line(
    state_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log_and_close(state_env)
    damage(state_env, "UPDATE questions SET asked_at = 'not a time' WHERE id = 1")
    assert main(["report"]) == 1
    assert capsys.readouterr().err == (
        f"coverage-bot: the state database {state_env / 'coverage-bot.sqlite3'} holds a row it "
        "cannot read (Invalid isoformat string: 'not a time')\n"
    )


def test_an_answered_row_without_a_headline_and_a_day_in_year_9999_still_report(
    state_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log_and_close(state_env)
    damage(state_env, "UPDATE questions SET answered = 'maybe' WHERE headline IS NULL")
    damage(state_env, "UPDATE questions SET asked_at = '9999-12-31 10:00:00.000000' WHERE id = 1")
    assert main(["report", "--chart", "chart.png"]) == 0
    out = capsys.readouterr().out
    assert "Questions asked: 7" in out and "Answered: 7 (100%)" in out
    assert Image.open(state_env.parent / "chart.png").format == "PNG"


def test_declined_rows_of_bytes_and_days_in_year_1_still_report(
    state_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log_and_close(state_env)
    damage(state_env, "UPDATE questions SET question = X'42', read_as = X'41' WHERE id = 7")
    damage(state_env, "UPDATE questions SET asked_at = '0001-01-02 10:00:00.000000'")
    assert main(["report", "--chart", "chart.png"]) == 0
    out = capsys.readouterr().out
    assert "Questions asked: 7" in out and "subway" not in out  # the row of bytes left out
    assert Image.open(state_env.parent / "chart.png").format == "PNG"
