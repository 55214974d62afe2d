"""COVERAGE_BOT_SHARD_COUNT runs the bot as discord.py's AutoShardedBot: each shard
IDENTIFYs with [id, count], gets its own servers, and answers there."""

from __future__ import annotations

import asyncio
from pathlib import Path

from fake_discord import (
    BOT_USER,
    CHANNEL_B_ID,
    CHANNEL_ID,
    GUILD_B_ID,
    GUILD_ID,
    FakeDiscord,
    user,
)
from harness import bot_replies, bot_settings, mention, stop_bot

from bot.config import Settings
from bot.discord_bot.client import CoverageBot, ShardedCoverageBot, make_bot
from bot.knowledge import Knowledge

READER = user(42, "reader")


async def start(fake: FakeDiscord, settings: Settings, knowledge: Knowledge) -> CoverageBot:
    bot = make_bot(settings, knowledge, guild_ready_timeout=0.05)

    async def at_once(shard_id: int | None, *, initial: bool = False) -> None:
        """Discord's identify rate limit is not the fake's: no 5 s between shards."""

    bot.before_identify_hook = at_once  # type: ignore[method-assign]
    runner = asyncio.create_task(bot.start("fake-token"))
    ready = asyncio.create_task(bot.wait_until_ready())
    await asyncio.wait({runner, ready}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
    if runner.done():
        runner.result()
    assert ready.done(), "the bot did not become ready within 10 s"
    bot.runner = runner  # type: ignore[attr-defined]
    return bot


async def test_two_shards_each_serve_their_own_server(
    fake: FakeDiscord, tmp_path: Path, knowledge: Knowledge
) -> None:
    fake.guild_ids.append(GUILD_B_ID)
    bot = await start(fake, bot_settings(tmp_path, shard_count=2), knowledge)
    try:
        assert isinstance(bot, ShardedCoverageBot)
        assert fake.identified == [[0, 2], [1, 2]]
        assert sorted(bot.shards) == [0, 1]
        assert (bot.get_guild(GUILD_ID).shard_id, bot.get_guild(GUILD_B_ID).shard_id) == (1, 0)
        for channel in (CHANNEL_ID, CHANNEL_B_ID):
            await fake.message_create(
                mention("What did the FAA do?"), author=READER, mentions=[BOT_USER],
                channel_id=channel,
            )  # fmt: skip
            [reply] = await bot_replies(fake, channel)
            assert "Federal Aviation Administration" in reply.json["embeds"][0]["description"]
    finally:
        await stop_bot(bot)


async def test_a_process_runs_only_the_shards_it_is_given(
    fake: FakeDiscord, tmp_path: Path, knowledge: Knowledge
) -> None:
    fake.guild_ids.append(GUILD_B_ID)
    settings = bot_settings(tmp_path, shard_count=2, shard_ids=(0,))
    bot = await start(fake, settings, knowledge)
    try:
        assert fake.identified == [[0, 2]]
        assert [g.id for g in bot.guilds] == [GUILD_B_ID]
    finally:
        await stop_bot(bot)


async def test_without_a_shard_count_the_bot_is_not_sharded(
    fake: FakeDiscord, tmp_path: Path, knowledge: Knowledge
) -> None:
    bot = await start(fake, bot_settings(tmp_path), knowledge)
    try:
        assert type(bot) is CoverageBot
        assert fake.identified == [None]
    finally:
        await stop_bot(bot)
