"""Review findings on issue 9 that a Discord member sees."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from discord_rules import message_errors
from fake_discord import BOT_USER, CHANNEL_ID, MANAGE_GUILD, OWNER_ID, FakeDiscord, user
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

from bot.answer import Ranking
from bot.discord_bot import client
from bot.knowledge import Knowledge, build_knowledge

READER = user(42, "reader")
OWNER = user(OWNER_ID, "owner")  # /reload is for the people who run the bot
LONG_HEADLINE = ("Missiles strike bases " * 200)[:2500]


@pytest.fixture
async def bot(fake: FakeDiscord, tmp_path: Path) -> AsyncIterator[Harness]:
    corpus = tmp_path / "long.jsonl"
    record = {"headline": LONG_HEADLINE, "date": "2020-01-08", "paragraphs": ["Missiles hit."]}
    corpus.write_text(json.dumps(record) + "\n", encoding="utf-8")
    running = await start_bot(fake, bot_settings(tmp_path), build_knowledge(corpus))
    yield Harness(fake, running)
    await stop_bot(running)


async def test_a_question_error_with_a_long_example_fits_a_reply(bot: Harness) -> None:
    await bot.fake.message_create(mention("???"), author=READER, mentions=[BOT_USER])
    [reply] = await bot_replies(bot.fake, CHANNEL_ID)
    content = reply.json["content"]
    assert content.startswith("That question has no words to search for; ask it in words")
    assert len(content) <= 2000 and content.endswith("…")
    assert message_errors(reply.json) == {}


async def test_a_slash_question_error_with_a_long_example_fits_a_reply(bot: Harness) -> None:
    response = await callback(
        bot.fake, await bot.fake.slash("ask", {"question": "???"}, author=READER)
    )
    content = response["data"]["content"]
    assert content.startswith("That question has no words to search for; ask it in words")
    assert len(content) <= 2000 and content.endswith("…")
    assert response["data"]["flags"] == 64  # still told privately


async def test_a_reload_the_disk_refuses_is_one_line(
    fake: FakeDiscord, tmp_path: Path, knowledge: Knowledge, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused(corpus: Path, index: Path | None, ranking: Ranking) -> Knowledge:
        raise PermissionError(13, "Permission denied", "/srv/news/iran.md")

    monkeypatch.setattr(client, "rebuild_knowledge", refused)
    bot = await start_bot(fake, bot_settings(tmp_path), knowledge)
    try:
        interaction = await fake.slash("reload", {}, author=OWNER, permissions=MANAGE_GUILD)
        failed = (await followup(fake, interaction)).json
        assert failed["content"].startswith("Reload failed, so I'm still answering from")
        assert failed["content"].endswith(
            ": \\[Errno 13\\] Permission denied: '/srv/news/iran.md'"  # shown as written
        )
        assert failed["flags"] == 64
        assert bot.knowledge is knowledge
    finally:
        await stop_bot(bot)


async def test_a_background_refresh_during_a_reload_leaves_it_to_the_reload(
    fake: FakeDiscord, tmp_path: Path, knowledge: Knowledge
) -> None:
    bot = await start_bot(fake, bot_settings(tmp_path), knowledge)
    try:
        async with bot._reload_lock:  # a /reload is rebuilding
            await bot._refresh()  # nothing raised: not a task that dies with ReloadRunning
        assert bot.knowledge is knowledge
    finally:
        await stop_bot(bot)
