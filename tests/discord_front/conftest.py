"""The real discord.py bot, connected to the fake Discord on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import discord
import pytest
import yarl
from fake_discord import FakeDiscord
from harness import Harness, bot_settings, start_bot, stop_bot

from bot.knowledge import Knowledge


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    """A fake Discord that discord.py talks to instead of discord.com; a test after which
    it has refused a request (over one of Discord's limits, a bad url) fails."""
    server = FakeDiscord()
    await server.start()
    monkeypatch.setattr(discord.http.Route, "BASE", server.api_base)
    monkeypatch.setattr(
        discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(server.gateway_url)
    )
    yield server
    await server.stop()
    refused = [(f"{r.method} {r.path}", errors) for r, errors in server.rejected]
    assert not refused, f"Discord would have refused: {refused}"


@pytest.fixture
async def running(
    fake: FakeDiscord, tmp_path: Path, knowledge: Knowledge
) -> AsyncIterator[Harness]:
    bot = await start_bot(fake, bot_settings(tmp_path), knowledge)
    yield Harness(fake, bot)
    await stop_bot(bot)
