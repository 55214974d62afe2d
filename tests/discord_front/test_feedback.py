"""The question log and the Helpful / Not helpful buttons, through the fake Discord and a
real SQLite file: what is logged, one vote per member, votes after a restart, retention."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
import weakref
from pathlib import Path
from typing import Any

import pytest
from fake_discord import ASK_CHANNEL_ID, BOT_USER, CHANNEL_ID, GUILD_ID, FakeDiscord, user
from harness import (
    Harness,
    bot_replies,
    bot_settings,
    button_ids,
    callback,
    followup,
    mention,
    press,
    start_bot,
    stop_bot,
)

from bot.discord_bot import views
from bot.discord_bot.feedback import GONE
from bot.knowledge import Knowledge
from bot.state.database import StateDatabase, database_url
from bot.state.question_log import AskedQuestion, QuestionLog

READER = user(42, "reader")
VOTER = user(43, "voter")
THANKS = "Thanks for the feedback: you found this answer helpful."
THANKS_NOT = "Thanks for the feedback: you found this answer not helpful."


def database(tmp_path: Path) -> Path:
    return tmp_path / "state" / "coverage-bot.sqlite3"


async def rows(tmp_path: Path, query: str, count: int = 1) -> list[tuple[Any, ...]]:
    """The rows ``query`` reads once the background log has written ``count`` of them
    (waiting at most 5 s)."""
    for _ in range(100):
        with sqlite3.connect(database(tmp_path)) as connection:
            found = connection.execute(query).fetchall()
        if len(found) >= count:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"{query} found {found}")


async def vote(fake: FakeDiscord, message: dict[str, Any], label: str, by: dict) -> str:
    """The private reply to a vote: deferred at once (thinking), then followed up."""
    pressed = await press(fake, message, label, by=by)
    assert await callback(fake, pressed) == {"type": 5, "data": {"flags": 64}}
    reply = (await followup(fake, pressed)).json
    assert reply["flags"] == 64
    return reply["content"]


async def test_an_answer_is_logged_with_its_outcome_and_no_user_id(
    running: Harness, tmp_path: Path
) -> None:
    fake = running.fake
    question = await fake.message_create(
        mention("What did the FAA do?"), author=READER, mentions=[BOT_USER]
    )
    await bot_replies(fake, CHANNEL_ID)
    [row] = await rows(
        tmp_path,
        "SELECT question, answered, guild_id, channel_id, article_id, headline, passage,"
        " score > 0, evidence > 0, member, discord_id, asked_at FROM questions",
    )
    assert row[:9] == (
        "What did the FAA do?",
        1,
        GUILD_ID,
        CHANNEL_ID,
        "trump-says-all-is-well-after-iranian-bbd2fd",
        'Trump says "all is well" after Iranian strikes on bases hosting U.S. troops',
        "The reaction: The Federal Aviation Administration issued an emergency restriction "
        "for airspace around the Persian Gulf.",
        1,
        1,
    )
    member, discord_id, asked_at = row[9:]
    assert member is None  # who asked is not kept; votes keep a salted hash of the voter
    assert discord_id != int(question["id"])  # the message id only as a keyed hash
    assert discord_id is not None
    assert asked_at.startswith(str(dt.datetime.now(dt.UTC).date()))


async def test_a_declined_question_in_an_ask_channel_is_logged_though_unanswered(
    running: Harness, tmp_path: Path
) -> None:
    await running.fake.message_create(
        "Who won the World Series?", author=READER, channel_id=ASK_CHANNEL_ID
    )
    [row] = await rows(tmp_path, "SELECT question, answered, channel_id, headline FROM questions")
    assert row == ("Who won the World Series?", 0, ASK_CHANNEL_ID, None)


async def test_a_vote_counts_once_per_member_and_a_second_click_changes_it(
    running: Harness, tmp_path: Path
) -> None:
    fake = running.fake
    interaction = await fake.slash("ask", {"question": "What did the FAA do?"}, author=READER)
    answer = (await followup(fake, interaction)).json
    custom_ids = button_ids(answer["components"])
    assert custom_ids["Helpful"] == f"vote:{interaction['id']}:1"
    assert all(len(c) <= 100 for c in custom_ids.values())
    assert [len(row["components"]) for row in answer["components"]] == [1, 2]
    message = fake.messages[max(fake.messages)]
    assert await vote(fake, message, "Helpful", VOTER) == THANKS
    assert await vote(fake, message, "Not helpful", VOTER) == THANKS_NOT  # changed, not added
    assert await vote(fake, message, "Helpful", READER) == THANKS  # anyone may vote
    found = await rows(tmp_path, "SELECT helpful FROM votes ORDER BY helpful", count=2)
    assert found == [(0,), (1,)]


async def test_votes_on_an_answer_sent_before_a_restart_are_kept(
    fake: FakeDiscord, tmp_path: Path, knowledge: Knowledge
) -> None:
    settings = bot_settings(tmp_path)
    first = await start_bot(fake, settings, knowledge)
    try:
        await fake.message_create(
            mention("What did the FAA do?"), author=READER, mentions=[BOT_USER]
        )
        await bot_replies(fake, CHANNEL_ID)
        message = fake.messages[max(fake.messages)]
        await rows(tmp_path, "SELECT id FROM questions")
    finally:
        await stop_bot(first)
    second = await start_bot(fake, settings, knowledge)  # a new process, the same database
    try:
        assert await vote(fake, message, "Not helpful", VOTER) == THANKS_NOT
        assert await rows(tmp_path, "SELECT helpful FROM votes") == [(0,)]
    finally:
        await stop_bot(second)


async def test_an_answers_other_buttons_after_a_restart_say_so_and_grey_out(
    fake: FakeDiscord, tmp_path: Path, knowledge: Knowledge, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = bot_settings(tmp_path)
    first = await start_bot(fake, settings, knowledge)
    try:
        await fake.message_create(
            mention("How many missiles did Iran launch?"), author=READER, mentions=[BOT_USER]
        )
        await bot_replies(fake, CHANNEL_ID)
        message = fake.messages[max(fake.messages)]
    finally:
        await stop_bot(first)
    monkeypatch.setattr(views, "_VIEWS", weakref.WeakSet())  # a new process has no views yet
    second = await start_bot(fake, settings, knowledge)
    try:
        for label in ("Next result", "Whole article"):
            pressed = await press(fake, message, label, by=READER)
            greyed = await callback(fake, pressed)
            assert greyed["type"] == 7  # the message edited in place
            shown = {
                button["label"]: button.get("disabled", False)
                for row in greyed["data"]["components"]
                for button in row["components"]
            }
            assert shown == {
                "Next result": True,
                "Whole article": True,
                "Helpful": False,
                "Not helpful": False,
            }
            told = (await followup(fake, pressed)).json
            assert (told["content"], told["flags"]) == (views.EXPIRED, 64)
        assert await vote(fake, message, "Helpful", VOTER) == THANKS  # votes still count
        assert second.persistent_views == []  # nothing kept in memory for the old message
    finally:
        await stop_bot(second)


async def test_a_vote_on_an_answer_retention_deleted_is_not_kept(
    running: Harness, tmp_path: Path
) -> None:
    fake = running.fake
    await fake.message_create(mention("What did the FAA do?"), author=READER, mentions=[BOT_USER])
    await bot_replies(fake, CHANNEL_ID)
    await rows(tmp_path, "SELECT id FROM questions")
    with sqlite3.connect(database(tmp_path)) as connection:
        connection.execute("DELETE FROM questions")
    message = fake.messages[max(fake.messages)]
    assert await vote(fake, message, "Helpful", VOTER) == GONE


async def test_questions_older_than_the_retention_period_are_deleted(
    fake: FakeDiscord, tmp_path: Path, knowledge: Knowledge
) -> None:
    url = database_url(None, tmp_path / "state")
    state = await StateDatabase.open(url)
    log = QuestionLog(state)
    now = dt.datetime.now(dt.UTC)
    await log.record(AskedQuestion("old?", False), at=now - dt.timedelta(days=31))
    await log.record(AskedQuestion("recent?", False), at=now - dt.timedelta(days=29))
    await state.close()
    bot = await start_bot(fake, bot_settings(tmp_path, retention_days=30), knowledge)
    try:
        for _ in range(100):
            with sqlite3.connect(database(tmp_path)) as connection:
                kept = connection.execute("SELECT question FROM questions").fetchall()
            if kept == [("recent?",)]:
                break
            await asyncio.sleep(0.05)
        assert kept == [("recent?",)]
    finally:
        await stop_bot(bot)


async def test_votes_still_count_after_the_answers_other_buttons_time_out(
    fake: FakeDiscord, tmp_path: Path, knowledge: Knowledge
) -> None:
    # discord.py forgets a dynamic item's pattern when a view holding one stops; the
    # bot registers it again, or no vote anywhere would be answered after a timeout.
    bot = await start_bot(fake, bot_settings(tmp_path, view_timeout=0.2), knowledge)
    try:
        await fake.message_create(
            mention("What did the FAA do?"), author=READER, mentions=[BOT_USER]
        )
        await bot_replies(fake, CHANNEL_ID)
        await fake.wait_for_request(lambda r: r.method == "PATCH")  # the view timed out
        message = fake.messages[max(fake.messages)]
        assert await vote(fake, message, "Helpful", VOTER) == THANKS
    finally:
        await stop_bot(bot)
