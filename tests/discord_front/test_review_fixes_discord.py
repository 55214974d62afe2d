"""Review findings on issue 9 that a Discord member sees."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from discord_rules import message_errors
from fake_discord import BOT_USER, CHANNEL_ID, FakeDiscord, user
from harness import Harness, bot_replies, bot_settings, callback, mention, start_bot, stop_bot

from bot.knowledge import build_knowledge

READER = user(42, "reader")
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
