"""Migration 2 gives a database made by version 1 the questions' Discord ids, so votes
find a question logged in the background, and migration 4 how each question was read; a
database made new has both already."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.state.database import StateDatabase, database_url
from bot.state.question_log import AskedQuestion, QuestionLog
from bot.state.schema import SCHEMA_VERSION, metadata


async def test_a_version_1_database_gains_discord_ids_and_keeps_its_questions(
    tmp_path: Path,
) -> None:
    file = tmp_path / "state" / "coverage-bot.sqlite3"
    file.parent.mkdir()
    with sqlite3.connect(file) as old:  # the tables as version 1 made them
        old.executescript(
            "CREATE TABLE meta (key VARCHAR(64) PRIMARY KEY, value TEXT NOT NULL);"
            "INSERT INTO meta VALUES ('schema_version', '1'), ('salt', '00ff');"
            "CREATE TABLE guild_settings (guild_id BIGINT PRIMARY KEY, ask_channels TEXT,"
            " threads BOOLEAN, cooldown_rate INTEGER, cooldown_seconds FLOAT, results INTEGER,"
            " announce_channel BIGINT, feedback BOOLEAN, updated_at DATETIME NOT NULL);"
            "CREATE TABLE questions (id INTEGER PRIMARY KEY AUTOINCREMENT, asked_at DATETIME"
            " NOT NULL, guild_id BIGINT, channel_id BIGINT, member VARCHAR(32), question TEXT"
            " NOT NULL, answered BOOLEAN NOT NULL, article_id TEXT, headline TEXT, passage"
            " TEXT, score FLOAT, evidence FLOAT);"
            "INSERT INTO questions (asked_at, question, answered) VALUES"
            " ('2026-11-01 10:00:00', 'Kept?', 0);"
            "CREATE TABLE votes (question_id INTEGER REFERENCES questions(id) ON DELETE"
            " CASCADE, member VARCHAR(32), helpful BOOLEAN NOT NULL, voted_at DATETIME NOT"
            " NULL, PRIMARY KEY (question_id, member));"
        )
    database = await StateDatabase.open(database_url(None, tmp_path / "state"))
    log = QuestionLog(database)
    new = await log.record(AskedQuestion("Nwe?", False, read_as="New?"), discord_id=123)
    assert await log.question_id(123) == new
    assert await log.question_id(456) is None
    await database.close()
    with sqlite3.connect(file) as migrated:
        rows = migrated.execute("SELECT question, read_as FROM questions ORDER BY id")
        assert rows.fetchall() == [("Kept?", None), ("Nwe?", "New?")]
        version = migrated.execute("SELECT value FROM meta WHERE key = 'schema_version'")
        assert version.fetchone() == (str(SCHEMA_VERSION),)
        indexes = {row[1] for row in migrated.execute("PRAGMA index_list(questions)")}
    assert "questions_by_discord_id" in indexes
    assert SCHEMA_VERSION == 4 and "questions" in metadata.tables


async def test_version_3_forgets_who_asked_and_keeps_message_ids_only_as_hashes(
    tmp_path: Path,
) -> None:
    file = tmp_path / "state" / "coverage-bot.sqlite3"
    database = await StateDatabase.open(database_url(None, tmp_path / "state"))
    await database.close()
    with sqlite3.connect(file) as old:  # as versions 2 wrote them: member and the raw id
        old.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
        old.execute(
            "INSERT INTO questions (asked_at, member, question, answered, discord_id) VALUES"
            " ('2026-11-01 10:00:00', 'abcdef', 'Old?', 0, 1234567890123456789)"
        )
    database = await StateDatabase.open(database_url(None, tmp_path / "state"))
    log = QuestionLog(database)
    asked = await log.record(AskedQuestion("New?", True), discord_id=987654321098765432)
    assert await log.question_id(1234567890123456789) is not None  # the old row, found
    assert await log.question_id(987654321098765432) == asked
    await database.close()
    with sqlite3.connect(file) as migrated:
        rows = migrated.execute("SELECT member, discord_id FROM questions").fetchall()
    assert [member for member, _ in rows] == [None, None]
    assert {1234567890123456789, 987654321098765432}.isdisjoint(d for _, d in rows)
