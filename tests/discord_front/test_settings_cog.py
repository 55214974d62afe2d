"""Each server's settings: the state database at start-up, ``/settings`` through the fake
Discord, and the next message answered by the server's own settings."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path
from typing import Any

import fake_discord
import pytest
from fake_discord import (
    ASK_CHANNEL_ID,
    BOT_USER,
    CHANNEL_B_ID,
    CHANNEL_ID,
    GUILD_B_ID,
    GUILD_ID,
    MANAGE_GUILD,
    Channel,
    FakeDiscord,
    text_channel,
    user,
)
from harness import (
    Harness,
    bot_replies,
    bot_settings,
    callback,
    followup,
    mention,
    start_bot,
    stop_bot,
)

from bot.discord_bot.cogs.settings import DAMAGED, UNAVAILABLE
from bot.discord_bot.server_state import ServerState
from bot.knowledge import Knowledge
from bot.state.database import StateDatabase, StateUnavailable, database_url

READER = user(42, "reader")


def labels(body: dict) -> list[str]:
    return [c["label"] for row in body.get("components", []) for c in row["components"]]


async def test_without_its_database_the_bot_answers_by_the_environment_without_votes(
    fake: FakeDiscord, tmp_path: Path, knowledge: Knowledge, caplog: pytest.LogCaptureFixture
) -> None:
    damaged = tmp_path / "state" / "coverage-bot.sqlite3"
    damaged.parent.mkdir()
    damaged.write_bytes(b"not a database at all, " * 100)
    caplog.set_level(logging.INFO)
    bot = await start_bot(fake, bot_settings(tmp_path), knowledge)
    try:
        await fake.message_create("What did the FAA do?", author=READER, channel_id=ASK_CHANNEL_ID)
        [reply] = await bot_replies(fake, ASK_CHANNEL_ID)
        assert labels(reply.json) == ["Whole article"]
    finally:
        await stop_bot(bot)
    said = [m for m in caplog.messages if "state" in m and "database" in m]
    assert said == [
        f"running without the state database (defaults only): the state database {damaged} "
        "is damaged (file is not a database); move it away and a new one is started"
    ]
    assert damaged.read_bytes() == b"not a database at all, " * 100  # never overwritten


async def test_a_database_the_bot_may_only_read_gives_no_vote_buttons_it_could_not_keep(
    fake: FakeDiscord,
    tmp_path: Path,
    knowledge: Knowledge,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)  # a "file:" URI once made folders where the bot ran
    file = tmp_path / "state" / "coverage-bot.sqlite3"
    database = await StateDatabase.open(database_url(None, file.parent))
    await database.close()
    read_only = f"sqlite+aiosqlite:///file:{file}?mode=ro&uri=true"  # root ignores chmod
    caplog.set_level(logging.INFO)
    bot = await start_bot(fake, bot_settings(tmp_path, database_url=read_only), knowledge)
    try:
        assert not bot.state.available
        await fake.message_create("What did the FAA do?", author=READER, channel_id=ASK_CHANNEL_ID)
        [reply] = await bot_replies(fake, ASK_CHANNEL_ID)
        assert labels(reply.json) == ["Whole article"]
    finally:
        await stop_bot(bot)
    [said] = [m for m in caplog.messages if m.startswith("running without the state database")]
    assert said.endswith("cannot be used: attempt to write a readonly database")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state"]


async def test_answers_carry_vote_buttons_by_default(
    fake: FakeDiscord, tmp_path: Path, knowledge: Knowledge
) -> None:
    bot = await start_bot(fake, bot_settings(tmp_path), knowledge)
    try:
        await fake.message_create("What did the FAA do?", author=READER, channel_id=ASK_CHANNEL_ID)
        [reply] = await bot_replies(fake, ASK_CHANNEL_ID)
        assert labels(reply.json) == ["Whole article", "Helpful", "Not helpful"]
        assert (tmp_path / "state" / "coverage-bot.sqlite3").is_file()
    finally:
        await stop_bot(bot)


ADMIN = user(44, "admin")
ADMIN_B = user(46, "admin-of-b")
EPHEMERAL = 64
DEFAULTS_SHOWN = (
    f"Ask channels: <#{ASK_CHANNEL_ID}> (default)\n"
    "Answer in threads: off (default)\n"
    "Cooldown: 3 questions per 60 s per member (default)\n"
    "Results per answer: 3 (default)\n"
    "Announce new articles in: nowhere (default)\n"
    "Helpful / Not helpful buttons: on (default)"
)


DEFERRED = 5


async def settings(
    fake: FakeDiscord,
    subcommand: str,
    options: dict[str, Any] | None = None,
    *,
    by: dict[str, Any] = ADMIN,
    permissions: int = MANAGE_GUILD,
    channel_id: int = CHANNEL_ID,
) -> dict[str, Any]:
    """Run ``/settings subcommand`` and return the private reply's data: at once for a
    refusal, else after a deferral (the database may make it wait)."""
    interaction = await fake.slash(
        "settings",
        options or {},
        author=by,
        subcommand=subcommand,
        permissions=permissions,
        channel_id=channel_id,
    )
    response = await callback(fake, interaction)
    if response["type"] == DEFERRED:
        assert response["data"]["flags"] == EPHEMERAL
        reply = (await followup(fake, interaction)).json
        assert reply["flags"] == EPHEMERAL
        return reply
    assert response["type"] == 4
    assert response["data"]["flags"] == EPHEMERAL
    return response["data"]


async def test_settings_shows_the_servers_settings_each_marked_default(running: Harness) -> None:
    assert (await settings(running.fake, "show"))["content"] == DEFAULTS_SHOWN


async def test_settings_is_registered_for_server_managers_only(running: Harness) -> None:
    [command] = [c for c in running.fake.commands if c["name"] == "settings"]
    assert int(command["default_member_permissions"]) == MANAGE_GUILD
    assert {o["name"] for o in command["options"]} == {
        "show", "ask-channel", "threads", "cooldown", "results", "announce", "feedback", "reset"
    }  # fmt: skip


async def test_a_member_without_manage_server_is_refused(running: Harness) -> None:
    data = await settings(running.fake, "results", {"count": 1}, by=READER, permissions=0)
    assert data["content"] == "You need the Manage Server permission to use this command."
    assert "Results per answer: 3 (default)" in (await settings(running.fake, "show"))["content"]


async def test_an_added_ask_channel_answers_the_next_question_without_a_restart(
    running: Harness,
) -> None:
    fake = running.fake
    data = await settings(fake, "ask-channel", {"action": "add", "channel": Channel(CHANNEL_ID)})
    assert data["content"].startswith("Saved; it applies to the next question.\n")
    assert f"Ask channels: <#{CHANNEL_ID}>, <#{ASK_CHANNEL_ID}> (set here)" in data["content"]
    assert data["allowed_mentions"] == {"parse": []}
    await fake.message_create("What did the FAA do?", author=READER, channel_id=CHANNEL_ID)
    [reply] = await bot_replies(fake, CHANNEL_ID)
    assert "Federal Aviation Administration" in reply.json["embeds"][0]["description"]
    await settings(fake, "ask-channel", {"action": "remove", "channel": Channel(ASK_CHANNEL_ID)})
    await fake.message_create(
        "What did the FAA do?", author=user(47, "b"), channel_id=ASK_CHANNEL_ID
    )
    await fake.message_create(mention("What did the FAA do?"), author=READER, mentions=[BOT_USER])
    await bot_replies(fake, CHANNEL_ID, count=2)
    assert not [r for r in fake.requests if r.path == f"/channels/{ASK_CHANNEL_ID}/messages"]


async def test_results_and_feedback_apply_to_the_next_answer(running: Harness) -> None:
    fake = running.fake
    await settings(fake, "results", {"count": 1})
    data = await settings(fake, "feedback", {"on": False})
    assert "Results per answer: 1 (set here)" in data["content"]
    assert "Helpful / Not helpful buttons: off (set here)" in data["content"]
    await fake.message_create(
        mention("How many missiles did Iran launch?"), author=READER, mentions=[BOT_USER]
    )
    [reply] = await bot_replies(fake, CHANNEL_ID)
    assert not reply.json["embeds"][0]["footer"]["text"].startswith("Result")  # only one
    assert labels(reply.json) == ["Whole article"]  # no next result, no votes


async def test_a_servers_cooldown_applies_to_its_members(running: Harness) -> None:
    fake = running.fake
    await settings(fake, "cooldown", {"questions": 1, "seconds": 120.0})
    for _ in range(2):
        await fake.message_create(
            mention("What did the FAA do?"), author=READER, mentions=[BOT_USER]
        )
    first, second = await bot_replies(fake, CHANNEL_ID, count=2)
    assert first.json["embeds"]
    assert second.json["content"].startswith("You're asking faster than I can keep up with")


async def test_answers_go_to_a_thread_when_the_server_wants_threads(running: Harness) -> None:
    fake = running.fake
    await settings(fake, "threads", {"on": True})
    question = await fake.message_create(
        "What did the *FAA* do?", author=READER, channel_id=ASK_CHANNEL_ID
    )
    thread_path = f"/channels/{ASK_CHANNEL_ID}/messages/{question['id']}/threads"
    [started] = await fake.wait_for_request(lambda r: r.path == thread_path)
    assert started.json["name"] == "What did the *FAA* do?"  # a name shows no markdown
    [answer] = await bot_replies(fake, int(question["id"]))  # the thread's id is the message's
    assert "Federal Aviation Administration" in answer.json["embeds"][0]["description"]
    assert not [r for r in fake.requests if r.path == f"/channels/{ASK_CHANNEL_ID}/messages"]


@pytest.mark.parametrize(
    ("subcommand", "options", "said"),
    [
        ("results", {"count": 25}, "The number of results must be from 1 to 20, not 25."),
        ("results", {"count": 0}, "The number of results must be from 1 to 20, not 0."),
        (
            "cooldown",
            {"questions": 0, "seconds": 30.0},
            "The cooldown must allow from 1 to 20 questions, not 0.",
        ),
        (
            "cooldown",
            {"questions": 1000000000000, "seconds": 30.0},  # no switching the limit off
            "The cooldown must allow from 1 to 20 questions, not 1000000000000.",
        ),
        (
            "cooldown",
            {"questions": 2, "seconds": 86400.0001},  # just past the limit: not "86400"
            "The cooldown period must be from 1 to 86400 seconds, not 86400.0001.",
        ),
        (
            "cooldown",
            {"questions": 2, "seconds": -5.0},
            "The cooldown period must be from 1 to 86400 seconds, not -5.",
        ),
        (
            "cooldown",
            {"questions": 1, "seconds": 1e-9},
            "The cooldown period must be from 1 to 86400 seconds, not 1e-09.",
        ),
    ],
)
async def test_values_out_of_range_are_refused_in_one_line(
    running: Harness, subcommand: str, options: dict[str, Any], said: str
) -> None:
    assert (await settings(running.fake, subcommand, options))["content"] == said
    assert (await settings(running.fake, "show"))["content"] == DEFAULTS_SHOWN


async def test_reset_puts_one_setting_back_to_the_default(running: Harness) -> None:
    fake = running.fake
    await settings(fake, "results", {"count": 5})
    await settings(fake, "announce", {"channel": Channel(CHANNEL_ID)})
    data = await settings(fake, "reset", {"setting": "results"})
    assert "Results per answer: 3 (default)" in data["content"]
    assert f"Announce new articles in: <#{CHANNEL_ID}> (set here)" in data["content"]
    data = await settings(fake, "announce", {})
    assert "Announce new articles in: nowhere (set here)" in data["content"]
    data = await settings(fake, "reset", {"setting": "announce channel"})
    assert "Announce new articles in: nowhere (default)" in data["content"]


async def test_a_server_can_turn_off_the_operators_announce_channel(
    fake: FakeDiscord, tmp_path: Path, knowledge: Knowledge
) -> None:
    bot = await start_bot(fake, bot_settings(tmp_path, announce_channel=CHANNEL_ID), knowledge)
    try:
        assert [c.id for c in await bot.announce_channels()] == [CHANNEL_ID]
        data = await settings(fake, "announce", {})
        assert "Announce new articles in: nowhere (set here)" in data["content"]
        assert await bot.announce_channels() == []
    finally:
        await stop_bot(bot)


async def test_one_servers_settings_are_not_anothers(
    fake: FakeDiscord, tmp_path: Path, knowledge: Knowledge
) -> None:
    fake.guild_ids.append(GUILD_B_ID)
    bot = await start_bot(fake, bot_settings(tmp_path), knowledge)
    try:
        data = await settings(fake, "results", {"count": 7}, by=ADMIN_B, channel_id=CHANNEL_B_ID)
        assert "Results per answer: 7 (set here)" in data["content"]
        assert (await settings(fake, "show"))["content"] == DEFAULTS_SHOWN
        refused = await settings(
            fake,
            "ask-channel",
            {"action": "add", "channel": Channel(CHANNEL_ID)},
            by=ADMIN_B,
            channel_id=CHANNEL_B_ID,
        )
        assert refused["content"] == "That channel is not in this server, or the bot cannot see it."
        assert (await settings(fake, "show"))["content"] == DEFAULTS_SHOWN
        assert bot.get_guild(GUILD_B_ID) is not None
    finally:
        await stop_bot(bot)


async def test_a_database_failure_during_a_message_answers_with_the_defaults(
    running: Harness, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fake = running.fake
    await settings(fake, "results", {"count": 1})
    with sqlite3.connect(tmp_path / "state" / "coverage-bot.sqlite3") as damage:
        damage.execute("DROP TABLE guild_settings")
    caplog.set_level(logging.WARNING)
    await fake.message_create(
        mention("How many missiles did Iran launch?"), author=READER, mentions=[BOT_USER]
    )
    [reply] = await bot_replies(fake, CHANNEL_ID)
    assert reply.json["embeds"][0]["footer"]["text"].startswith("Result 1 of 3 ·")  # defaults
    [said] = [m for m in caplog.messages if m.startswith("answering with the default settings")]
    assert said.endswith("cannot be used: no such table: guild_settings")


async def test_a_setting_damaged_outside_the_bot_gives_the_defaults_until_a_change_repairs_it(
    running: Harness, tmp_path: Path
) -> None:
    fake = running.fake
    await settings(fake, "results", {"count": 1})
    with sqlite3.connect(tmp_path / "state" / "coverage-bot.sqlite3") as damage:
        damage.execute("UPDATE guild_settings SET cooldown_rate = 'abc', results = 999")
    await fake.message_create(
        mention("How many missiles did Iran launch?"), author=READER, mentions=[BOT_USER]
    )
    [reply] = await bot_replies(fake, CHANNEL_ID)
    assert reply.json["embeds"][0]["footer"]["text"].startswith("Result 1 of 3 ·")  # defaults
    assert (await settings(fake, "show"))["content"] == DAMAGED
    repaired = await settings(fake, "feedback", {"on": False})
    assert repaired["content"].startswith("Saved; it applies to the next question.\n")
    assert "Results per answer: 3 (default)" in repaired["content"]


async def test_a_database_locked_at_start_up_is_opened_once_it_is_free(
    fake: FakeDiscord,
    tmp_path: Path,
    knowledge: Knowledge,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("bot.discord_bot.server_state.REOPEN_SECONDS", 0.1)
    monkeypatch.setattr("bot.state.database.BUSY_TIMEOUT_MS", 50)
    file = tmp_path / "state" / "coverage-bot.sqlite3"
    file.parent.mkdir()
    holder = sqlite3.connect(file, isolation_level=None)
    holder.execute("CREATE TABLE other_program (x)")  # a database someone else is writing
    holder.execute("BEGIN EXCLUSIVE")
    bot = await start_bot(fake, bot_settings(tmp_path), knowledge)
    try:
        assert not bot.state.available
        holder.rollback()
        for _ in range(100):  # bounded: at most 10 s
            if bot.state.available:
                break
            await asyncio.sleep(0.1)
        assert bot.state.available
        await fake.message_create("What did the FAA do?", author=READER, channel_id=ASK_CHANNEL_ID)
        [reply] = await bot_replies(fake, ASK_CHANNEL_ID)
        assert labels(reply.json) == ["Whole article", "Helpful", "Not helpful"]
    finally:
        holder.close()
        await stop_bot(bot)


async def until_available(state: ServerState, available: bool = True) -> None:
    for _ in range(100):  # bounded: at most 10 s
        if state.available == available:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"the state database never became {'' if available else 'un'}available")


async def test_a_database_deleted_while_the_bot_runs_is_not_written_to_then_started_anew(
    fake: FakeDiscord, tmp_path: Path, knowledge: Knowledge, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.discord_bot.server_state.REOPEN_SECONDS", 0.1)
    bot = await start_bot(fake, bot_settings(tmp_path), knowledge)
    try:
        await settings(fake, "results", {"count": 2})
        for file in (tmp_path / "state").glob("coverage-bot.sqlite3*"):
            file.unlink()
        # Not "Saved" into a file that is gone, to be lost with it.
        assert (await settings(fake, "results", {"count": 4}))["content"] == UNAVAILABLE
        await until_available(bot.state)
        saved = await settings(fake, "results", {"count": 4})
        assert "Results per answer: 4 (set here)" in saved["content"]
        with sqlite3.connect(tmp_path / "state" / "coverage-bot.sqlite3") as connection:
            assert connection.execute("SELECT results FROM guild_settings").fetchall() == [(4,)]
    finally:
        await stop_bot(bot)


async def test_a_database_damaged_while_the_bot_runs_is_started_anew_once_moved_away(
    fake: FakeDiscord, tmp_path: Path, knowledge: Knowledge, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.discord_bot.server_state.REOPEN_SECONDS", 0.1)
    bot = await start_bot(fake, bot_settings(tmp_path), knowledge)
    file = tmp_path / "state" / "coverage-bot.sqlite3"
    try:
        await settings(fake, "results", {"count": 2})
        for each in (tmp_path / "state").glob("coverage-bot.sqlite3*"):
            each.write_bytes(b"damaged " * 5000)
        assert (await settings(fake, "show"))["content"] == UNAVAILABLE
        await asyncio.sleep(0.5)  # a few tries to open it: it is still damaged
        assert not bot.state.available
        (tmp_path / "moved").mkdir()
        file.rename(tmp_path / "moved" / file.name)  # as the log line says to
        await until_available(bot.state)
        assert "Results per answer: 3 (default)" in (await settings(fake, "show"))["content"]
        assert (tmp_path / "moved" / file.name).read_bytes() == b"damaged " * 5000
    finally:
        await stop_bot(bot)


async def test_two_admins_adding_ask_channels_at_once_both_get_theirs(running: Harness) -> None:
    fake, configs = running.fake, running.bot.state.configs
    assert configs is not None
    for _ in range(3):  # the lost update showed in 4 of 5 tries; each try must keep both
        await configs.change(GUILD_ID, ask_channels=frozenset())
        asked = [
            await fake.slash(
                "settings",
                {"action": "add", "channel": Channel(channel)},
                author=admin,
                subcommand="ask-channel",
                permissions=MANAGE_GUILD,
            )
            for channel, admin in ((CHANNEL_ID, ADMIN), (ASK_CHANNEL_ID, ADMIN_B))
        ]
        for interaction in asked:
            await callback(fake, interaction)
            assert (await followup(fake, interaction)).json["content"].startswith("Saved")
        own = await configs.own(GUILD_ID)
        assert own["ask_channels"] == {CHANNEL_ID, ASK_CHANNEL_ID}


async def test_removing_a_channel_that_is_not_an_ask_channel_changes_nothing(
    running: Harness,
) -> None:
    fake = running.fake
    data = await settings(fake, "ask-channel", {"action": "remove", "channel": Channel(CHANNEL_ID)})
    assert data["content"] == (
        f"<#{CHANNEL_ID}> is not an ask channel here; nothing changed.\n" + DEFAULTS_SHOWN
    )
    data = await settings(
        fake, "ask-channel", {"action": "add", "channel": Channel(ASK_CHANNEL_ID)}
    )
    assert data["content"].startswith(f"<#{ASK_CHANNEL_ID}> is already an ask channel here;")
    assert await running.bot.state.configs.own(GUILD_ID) == {}  # the default stays the default


async def test_a_server_is_not_shown_or_given_another_servers_default_channels(
    fake: FakeDiscord, tmp_path: Path, knowledge: Knowledge
) -> None:
    fake.guild_ids.append(GUILD_B_ID)
    defaults = {"ask_channels": frozenset({ASK_CHANNEL_ID, CHANNEL_B_ID})}
    bot = await start_bot(
        fake, bot_settings(tmp_path, announce_channel=CHANNEL_ID, **defaults), knowledge
    )
    try:
        shown = await settings(fake, "show", by=ADMIN_B, channel_id=CHANNEL_B_ID)
        assert f"Ask channels: <#{CHANNEL_B_ID}> (default)" in shown["content"]
        assert "Announce new articles in: nowhere (default)" in shown["content"]  # A's channel
        assert str(ASK_CHANNEL_ID) not in shown["content"]
        await settings(
            fake,
            "ask-channel",
            {"action": "remove", "channel": Channel(CHANNEL_B_ID)},
            by=ADMIN_B,
            channel_id=CHANNEL_B_ID,
        )
        assert (await bot.state.configs.own(GUILD_B_ID))["ask_channels"] == frozenset()
        shown = await settings(fake, "show")  # server A still has its default channel
        assert f"Ask channels: <#{ASK_CHANNEL_ID}> (default)" in shown["content"]
    finally:
        await stop_bot(bot)


async def test_a_long_list_of_ask_channels_fits_discords_limit(
    fake: FakeDiscord, tmp_path: Path, knowledge: Knowledge, monkeypatch: pytest.MonkeyPatch
) -> None:
    many = [700_000_000_000_000_000 + n for n in range(85)]
    newsroom = fake_discord.guild

    def with_many_channels(guild_id: int = GUILD_ID) -> dict[str, Any]:
        described = newsroom(guild_id)
        described["channels"] += [text_channel(c, f"ask-{n}") for n, c in enumerate(many)]
        return described

    monkeypatch.setattr(fake_discord, "guild", with_many_channels)
    bot = await start_bot(fake, bot_settings(tmp_path), knowledge)
    try:
        await bot.state.configs.change(GUILD_ID, ask_channels=frozenset(many))
        data = await settings(
            fake, "ask-channel", {"action": "remove", "channel": Channel(many[0])}
        )
        assert data["content"].startswith("Saved")
        assert " and 44 more (set here)\n" in data["content"]  # 84 left, 40 named
        assert len(data["content"]) <= 2000
    finally:
        await stop_bot(bot)


async def test_a_late_loss_reported_by_the_old_database_keeps_the_new_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.discord_bot.server_state.REOPEN_SECONDS", 0.1)
    state = ServerState(bot_settings(tmp_path))
    await state.open()
    # Kept open, the deleted file's inode cannot be the new file's (which would make the
    # old database the new one's twin, and this test moot).
    gone = (tmp_path / "state" / "coverage-bot.sqlite3").open("rb")
    try:
        held = state.configs  # a handler that held it across a loss
        assert held is not None
        for file in (tmp_path / "state").glob("coverage-bot.sqlite3*"):
            file.unlink()
        with pytest.raises(StateUnavailable):
            await held.get(GUILD_ID)
        await until_available(state)
        reopened = state.database
        with pytest.raises(StateUnavailable):
            await held.get(GUILD_ID)  # the old database, used late
        assert state.database is reopened and state.available
    finally:
        gone.close()
        await state.close()
