"""Staying connected (heartbeats, resuming) and registering slash commands sparingly."""

from __future__ import annotations

import asyncio
from pathlib import Path

from fake_discord import APPLICATION_ID, BOT_USER, CHANNEL_ID, GUILD_ID, FakeDiscord, user
from harness import bot_replies, bot_settings, mention, start_bot, stop_bot

from bot.knowledge import Knowledge

HEARTBEAT, IDENTIFY, RESUME, RECONNECT = 1, 2, 6, 7
GLOBAL_COMMANDS = f"/applications/{APPLICATION_ID}/commands"
GUILD_COMMANDS = f"/applications/{APPLICATION_ID}/guilds/{GUILD_ID}/commands"


def command_syncs(fake: FakeDiscord, path: str) -> list[str]:
    return [r.path for r in fake.requests if r.method == "PUT" and r.path == path]


async def test_heartbeats_are_sent_and_acknowledged(
    tmp_path: Path, knowledge: Knowledge, fake: FakeDiscord
) -> None:
    fake.heartbeat_interval_ms = 100
    bot = await start_bot(fake, bot_settings(tmp_path), knowledge)
    try:
        await fake.wait_for_op(HEARTBEAT, timeout=5)
        # discord.py measures latency from our acknowledgement; without one it is infinite.
        for _ in range(50):  # bounded: at most 2.5 s for the acknowledgement to be read
            if bot.latency < 1.0:
                break
            await asyncio.sleep(0.05)
        assert bot.latency < 1.0
        assert IDENTIFY in fake.gateway_ops and not bot.is_closed()
    finally:
        await stop_bot(bot)


async def test_bot_resumes_after_a_reconnect_request_and_keeps_answering(
    tmp_path: Path, knowledge: Knowledge, fake: FakeDiscord
) -> None:
    bot = await start_bot(fake, bot_settings(tmp_path), knowledge)
    try:
        await fake.send_op(RECONNECT)
        await fake.wait_for_op(RESUME, timeout=10)
        await fake.message_create(
            mention("What did the FAA do?"), author=user(42, "r"), mentions=[BOT_USER]
        )
        [reply] = await bot_replies(fake, CHANNEL_ID)
        assert "Federal Aviation Administration" in reply.json["embeds"][0]["description"]
        assert fake.gateway_ops.count(IDENTIFY) == 1
    finally:
        await stop_bot(bot)


async def test_global_commands_sync_once_and_again_only_when_they_change(
    tmp_path: Path, knowledge: Knowledge, fake: FakeDiscord
) -> None:
    bot = await start_bot(fake, bot_settings(tmp_path), knowledge)
    await stop_bot(bot)
    assert command_syncs(fake, GLOBAL_COMMANDS) == [GLOBAL_COMMANDS]
    assert {c["name"] for c in fake.commands} == {
        "ask", "articles", "summary", "about", "reload", "settings", "report"
    }  # fmt: skip
    reload = next(c for c in fake.commands if c["name"] == "reload")
    assert int(reload["default_member_permissions"]) == 0x20  # Manage Server

    bot = await start_bot(fake, bot_settings(tmp_path), knowledge)  # same commands
    await stop_bot(bot)
    assert command_syncs(fake, GLOBAL_COMMANDS) == [GLOBAL_COMMANDS]

    (tmp_path / "state" / "global-commands.sha256").write_text("an older command set\n")
    bot = await start_bot(fake, bot_settings(tmp_path), knowledge)
    await stop_bot(bot)
    assert len(command_syncs(fake, GLOBAL_COMMANDS)) == 2


async def test_guild_id_syncs_to_that_guild_at_every_start(
    tmp_path: Path, knowledge: Knowledge, fake: FakeDiscord
) -> None:
    for _ in range(2):
        bot = await start_bot(fake, bot_settings(tmp_path, discord_guild_id=GUILD_ID), knowledge)
        await stop_bot(bot)
    assert command_syncs(fake, GUILD_COMMANDS) == [GUILD_COMMANDS] * 2
    assert command_syncs(fake, GLOBAL_COMMANDS) == []


async def test_login_sends_the_token_only_as_the_authorization_header(
    tmp_path: Path, knowledge: Knowledge, fake: FakeDiscord
) -> None:
    bot = await start_bot(fake, bot_settings(tmp_path), knowledge)
    await stop_bot(bot)
    assert fake.requests[0].path == "/users/@me"
    assert all("fake-token" not in str(r.body) for r in fake.requests)
