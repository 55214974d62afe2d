"""The state database on a real SQLite file: migrations, server settings over defaults,
the question log with one vote per member, retention, and damaged or locked files."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from bot.state.database import StateDatabase, StateUnavailable, database_url
from bot.state.guild_config import GuildConfig, GuildConfigs
from bot.state.question_log import AskedQuestion, QuestionLog
from bot.state.schema import SCHEMA_VERSION

DEFAULTS = GuildConfig(ask_channels=frozenset({1}), cooldown_rate=3, results=3)


async def opened(tmp_path: Path) -> StateDatabase:
    return await StateDatabase.open(database_url(None, tmp_path / "state"))


async def test_a_new_database_is_a_file_in_the_state_folder_at_the_current_schema(
    tmp_path: Path,
) -> None:
    database = await opened(tmp_path)
    await database.close()
    file = tmp_path / "state" / "coverage-bot.sqlite3"
    with sqlite3.connect(file) as connection:
        version = connection.execute("SELECT value FROM meta WHERE key = 'schema_version'")
        assert version.fetchone() == (str(SCHEMA_VERSION),)
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert {"guild_settings", "questions", "votes"} <= tables


async def test_a_server_setting_overrides_the_default_and_none_restores_it(
    tmp_path: Path,
) -> None:
    database = await opened(tmp_path)
    configs = GuildConfigs(database, DEFAULTS)
    assert await configs.get(10) == DEFAULTS
    changed = await configs.change(10, ask_channels={5, 6}, results=5, threads=True)
    assert changed.ask_channels == frozenset({5, 6}) and changed.results == 5 and changed.threads
    assert (await configs.change(10, results=None)).results == DEFAULTS.results
    assert await configs.get(11) == DEFAULTS  # another server is untouched
    await database.close()
    reopened = await opened(tmp_path)  # kept on disk, read by a new process alike
    again = await GuildConfigs(reopened, DEFAULTS).get(10)
    assert again.ask_channels == frozenset({5, 6}) and again.threads and again.results == 3
    await reopened.close()


async def test_a_vote_counts_once_per_member_and_a_second_click_changes_it(
    tmp_path: Path,
) -> None:
    database = await opened(tmp_path)
    log = QuestionLog(database)
    asked = await log.record(AskedQuestion("Who won?", True, 1, 2, "a", "A", "p", 3.0, 1.0))
    assert await log.vote(asked, 42, helpful=True)
    assert await log.vote(asked, 42, helpful=False)
    assert await log.vote(asked, 43, helpful=False)
    file = tmp_path / "state" / "coverage-bot.sqlite3"
    with sqlite3.connect(file) as connection:
        rows = connection.execute("SELECT member, helpful FROM votes ORDER BY helpful").fetchall()
        members = connection.execute("SELECT member FROM questions").fetchall()
    assert [helpful for _, helpful in rows] == [0, 0]
    assert "42" not in {member for member, _ in rows} | {m for (m,) in members}
    assert not await log.vote(999, 42, helpful=True)  # a question no longer logged
    await database.close()


async def test_retention_deletes_old_questions_and_their_votes(tmp_path: Path) -> None:
    database = await opened(tmp_path)
    log = QuestionLog(database)
    now = dt.datetime.now(dt.UTC)
    old = await log.record(AskedQuestion("old?", True), at=now - dt.timedelta(days=100))
    await log.vote(old, 1, helpful=True)
    await log.record(AskedQuestion("new?", False), at=now)
    assert await log.forget_before(now - dt.timedelta(days=90)) == 1
    file = tmp_path / "state" / "coverage-bot.sqlite3"
    with sqlite3.connect(file) as connection:
        assert connection.execute("SELECT question FROM questions").fetchall() == [("new?",)]
        assert connection.execute("SELECT count(*) FROM votes").fetchone() == (0,)
    await database.close()


async def test_concurrent_writers_on_one_file_lose_nothing(tmp_path: Path) -> None:
    first, second = await opened(tmp_path), await opened(tmp_path)
    logs = [QuestionLog(first), QuestionLog(second)]
    await asyncio.gather(
        *(logs[n % 2].record(AskedQuestion(f"question {n}?", n % 3 == 0)) for n in range(60))
    )
    file = tmp_path / "state" / "coverage-bot.sqlite3"
    with sqlite3.connect(file) as connection:
        assert connection.execute("SELECT count(*) FROM questions").fetchone() == (60,)
    await first.close()
    await second.close()


async def test_a_damaged_file_is_one_line_naming_it_and_it_is_left_in_place(
    tmp_path: Path,
) -> None:
    file = tmp_path / "state" / "coverage-bot.sqlite3"
    file.parent.mkdir()
    file.write_bytes(b"not a database at all " * 200)
    with pytest.raises(StateUnavailable) as caught:
        await opened(tmp_path)
    message = str(caught.value)
    assert "\n" not in message
    assert str(file) in message and "damaged" in message
    assert file.read_bytes().startswith(b"not a database")


async def test_a_locked_database_is_reported_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.state.database.BUSY_TIMEOUT_MS", 200)  # a writer waits this long
    database = await opened(tmp_path)
    file = tmp_path / "state" / "coverage-bot.sqlite3"
    holder = sqlite3.connect(file, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StateUnavailable, match="locked"):
            await asyncio.wait_for(
                QuestionLog(database).record(AskedQuestion("blocked?", False)), 30
            )
    finally:
        holder.rollback()
        holder.close()
    with sqlite3.connect(file) as connection:
        assert connection.execute("SELECT count(*) FROM questions").fetchone() == (0,)
    await database.close()


async def test_a_database_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    database = await opened(tmp_path)
    await database.close()
    file = tmp_path / "state" / "coverage-bot.sqlite3"
    with sqlite3.connect(file) as connection:
        connection.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(StateUnavailable, match="newer coverage-bot"):
        await opened(tmp_path)


async def test_a_state_folder_that_is_a_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "state").write_text("mine")
    with pytest.raises(StateUnavailable, match="cannot be created"):
        await opened(tmp_path)
    assert (tmp_path / "state").read_text() == "mine"


async def test_votes_and_settings_changed_at_once_wait_their_turn(tmp_path: Path) -> None:
    """Writes that read first (a vote, a settings change) queue behind one another, in
    one process or two, instead of failing when another writer commits first."""
    first, second = await opened(tmp_path), await opened(tmp_path)
    asked = await QuestionLog(first).record(AskedQuestion("Who won?", True))
    logs = [QuestionLog(first), QuestionLog(second)]
    configs = [GuildConfigs(first, DEFAULTS), GuildConfigs(second, DEFAULTS)]
    results = await asyncio.gather(
        *(logs[n % 2].vote(asked, n % 7, helpful=n % 3 == 0) for n in range(40)),
        *(configs[n % 2].change(100 + n % 5, results=1 + n % 20) for n in range(40)),
    )
    assert all(result is not None for result in results)
    file = tmp_path / "state" / "coverage-bot.sqlite3"
    with sqlite3.connect(file) as connection:
        assert connection.execute("SELECT count(*) FROM votes").fetchone() == (7,)
        assert connection.execute("SELECT count(*) FROM guild_settings").fetchone() == (5,)
    await first.close()
    await second.close()


async def test_a_damaged_stored_setting_is_state_unavailable_not_a_crash(tmp_path: Path) -> None:
    database = await opened(tmp_path)
    configs = GuildConfigs(database, DEFAULTS)
    await configs.change(10, ask_channels={5})
    file = tmp_path / "state" / "coverage-bot.sqlite3"
    with sqlite3.connect(file) as connection:
        connection.execute("UPDATE guild_settings SET ask_channels = '[5,'")
    with pytest.raises(StateUnavailable, match="stored ask channels cannot be read"):
        await configs.get(10)
    await database.close()


@pytest.mark.parametrize(
    ("column", "stored"),
    [
        ("cooldown_rate", "'abc'"),
        ("cooldown_rate", "0"),  # no question would ever be answered
        ("cooldown_seconds", "'soon'"),
        ("cooldown_seconds", "0"),  # the rate limit off, which no server may do
        ("results", "999"),
        ("results", "'x'"),
        ("results", "2.5"),
        ("announce_channel", "'x'"),
        ("announce_channel", "-4"),
        ("ask_channels", "'\"123\"'"),  # JSON, but not a list of channels
        ("ask_channels", "'[true]'"),
    ],
)
async def test_every_stored_setting_is_checked_when_read_and_repaired_by_a_change(
    tmp_path: Path, column: str, stored: str
) -> None:
    database = await opened(tmp_path)
    configs = GuildConfigs(database, DEFAULTS)
    await configs.change(10, feedback=False)
    with sqlite3.connect(tmp_path / "state" / "coverage-bot.sqlite3") as connection:
        connection.execute(f"UPDATE guild_settings SET {column} = {stored}")
    with pytest.raises(StateUnavailable, match=f"stored {column.replace('_', ' ')} cannot be"):
        await configs.get(10)
    changed = await configs.change(10, feedback=True)
    assert changed == replace(DEFAULTS, feedback=True)
    assert await configs.get(10) == changed
    await database.close()


@pytest.mark.parametrize(
    "change",
    [{"ask_channels": None}, {"results": 5}],  # a reset of it, or a change of anything else
)
async def test_a_change_puts_a_damaged_stored_setting_back_to_the_default(
    tmp_path: Path, change: dict[str, object]
) -> None:
    database = await opened(tmp_path)
    configs = GuildConfigs(database, DEFAULTS)
    await configs.change(10, ask_channels={5}, threads=True)
    with sqlite3.connect(tmp_path / "state" / "coverage-bot.sqlite3") as connection:
        connection.execute("UPDATE guild_settings SET ask_channels = '[5,'")
    changed = await configs.change(10, **change)
    assert changed.ask_channels == DEFAULTS.ask_channels
    assert changed.threads  # the readable values stay
    assert await configs.get(10) == changed  # readable again
    await database.close()
