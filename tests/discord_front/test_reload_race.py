"""Two /reload commands at once: one rebuild, and the other member is told it is running."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from fake_discord import APPLICATION_ID, MANAGE_GUILD, FakeDiscord, user
from harness import bot_settings, start_bot, stop_bot

from bot.answer import Ranking
from bot.discord_bot import client
from bot.knowledge import Knowledge

ADMINS = user(44, "admin"), user(45, "other-admin")
BUSY = "A reload is already running; try again when it has finished."


async def test_a_second_reload_while_one_runs_does_not_start_another(
    fake: FakeDiscord, tmp_path: Path, knowledge: Knowledge, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    rebuilds: list[Path] = []

    def held_rebuild(corpus: Path, index: Path | None, ranking: Ranking) -> Knowledge:
        """A rebuild that lasts until the test lets it finish."""
        rebuilds.append(corpus)
        release.wait(10)
        return knowledge

    monkeypatch.setattr(client, "rebuild_knowledge", held_rebuild)
    settings = bot_settings(tmp_path, admin_users=frozenset({44, 45}))
    bot = await start_bot(fake, settings, knowledge)
    try:
        sent = [
            await fake.slash("reload", {}, author=admin, permissions=MANAGE_GUILD)
            for admin in ADMINS
        ]
        paths = {f"/webhooks/{APPLICATION_ID}/{s['token']}" for s in sent}
        [busy] = await fake.wait_for_request(lambda r: r.method == "POST" and r.path in paths)
        assert busy.json["content"] == BUSY
        assert busy.json["flags"] == 64
        release.set()
        _, done = await fake.wait_for_request(
            lambda r: r.method == "POST" and r.path in paths, count=2
        )
        assert done.json["content"] == "Reloaded: 4 articles, 26 passages."
        assert rebuilds == [bot.settings.corpus]
        assert not bot._reload_lock.locked()
    finally:
        release.set()
        await stop_bot(bot)
