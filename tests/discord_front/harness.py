"""Running the real discord.py bot against the fake Discord, and reading what it sent."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fake_discord import APPLICATION_ID, ASK_CHANNEL_ID, BOT_ID, FakeDiscord, Request

from bot.config import Settings
from bot.discord_bot.client import CoverageBot
from bot.knowledge import Knowledge


@dataclass
class Harness:
    fake: FakeDiscord
    bot: CoverageBot


def bot_settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "discord_token": "fake-token",
        "ask_channels": frozenset({ASK_CHANNEL_ID}),
        "state_dir": tmp_path / "state",
        "cooldown_rate": 3,
        "cooldown_seconds": 60.0,
        "view_timeout": 60.0,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[arg-type, call-arg]


async def start_bot(fake: FakeDiscord, settings: Settings, knowledge: Knowledge) -> CoverageBot:
    bot = CoverageBot(settings, knowledge, guild_ready_timeout=0.05)
    runner = asyncio.create_task(bot.start("fake-token"))
    ready = asyncio.create_task(bot.wait_until_ready())
    await asyncio.wait({runner, ready}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
    if runner.done():
        runner.result()  # raises what stopped the bot from starting
    assert ready.done(), "the bot did not become ready within 10 s"
    bot.runner = runner  # type: ignore[attr-defined]
    return bot


async def stop_bot(bot: CoverageBot) -> None:
    await asyncio.wait_for(bot.close(), 30)  # a hang fails the test, not the whole run
    await asyncio.wait_for(bot.runner, 10)  # type: ignore[attr-defined]


def mention(text: str) -> str:
    """A message that mentions the bot, as Discord writes it."""
    return f"<@{BOT_ID}> {text}".rstrip()


async def bot_replies(
    fake: FakeDiscord, channel_id: int, count: int = 1, timeout: float = 10.0
) -> list[Request]:
    """The first ``count`` messages the bot posted in a channel."""
    path = f"/channels/{channel_id}/messages"
    return await fake.wait_for_request(
        lambda r: r.method == "POST" and r.path == path, timeout=timeout, count=count
    )


async def callback(fake: FakeDiscord, interaction: dict[str, Any]) -> dict[str, Any]:
    """The interaction response the bot sent for ``interaction``."""
    path = f"/interactions/{interaction['id']}/{interaction['token']}/callback"
    [request] = await fake.wait_for_request(lambda r: r.path == path)
    return request.json


async def followup(fake: FakeDiscord, interaction: dict[str, Any]) -> Request:
    path = f"/webhooks/{APPLICATION_ID}/{interaction['token']}"
    [request] = await fake.wait_for_request(lambda r: r.method == "POST" and r.path == path)
    return request


def button_ids(components: list[dict[str, Any]]) -> dict[str, str]:
    return {c["label"]: c["custom_id"] for row in components for c in row["components"]}


async def press(
    fake: FakeDiscord, message: dict[str, Any], label: str, *, by: dict[str, Any]
) -> dict[str, Any]:
    """Click a button of a message the bot sent, as member ``by``."""
    custom_id = button_ids(message["components"])[label]
    data = {"custom_id": custom_id, "component_type": 2}
    return await fake.interaction_create(3, data, author=by, message=message)
