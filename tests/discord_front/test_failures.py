"""When something fails unexpectedly, or a client is out of date, the member is told in
one line and the log has the rest; and the bot answers only what is meant for it."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest
from fake_discord import BOT_USER, CHANNEL_ID, FakeDiscord, user
from harness import Harness, bot_replies, callback, followup, mention, press

import bot.discord_bot.views as views
from bot.discord_bot.failures import CHANGED, UNEXPECTED

READER = user(42, "reader")
EPHEMERAL = 64
SECRET = "secret path /srv/coverage/index is broken"


def broken(*_: Any, **__: Any) -> Any:
    raise RuntimeError(SECRET)


async def test_a_mention_whose_answer_fails_is_told_so_in_one_line(
    running: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    monkeypatch.setattr(running.bot.knowledge.answerer, "answer", broken)
    await running.fake.message_create(
        mention("What did the FAA do?"), author=READER, mentions=[BOT_USER]
    )
    [reply] = await bot_replies(running.fake, CHANNEL_ID)
    assert reply.json["content"] == UNEXPECTED
    assert reply.json["allowed_mentions"] == {"parse": [], "replied_user": False}
    assert any(SECRET in (r.exc_text or "") for r in caplog.records)  # the log has it all


async def test_a_button_that_fails_is_answered_privately(
    running: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = running.fake
    asked = await fake.slash(
        "ask", {"question": "How many missiles did Iran launch?"}, author=READER
    )
    await callback(fake, asked)
    answer = (await followup(fake, asked)).json
    message = next(m for m in fake.messages.values() if m["embeds"] == answer["embeds"])
    monkeypatch.setattr(views, "article_pages", broken)
    click = await press(fake, message, "Whole article", by=READER)
    path = f"/interactions/{click['id']}/{click['token']}/callback"
    [response] = await fake.wait_for_request(lambda r: r.path == path)
    assert response.json["type"] == 4
    assert response.json["data"]["content"] == UNEXPECTED
    assert response.json["data"]["flags"] == EPHEMERAL
    assert SECRET not in json.dumps(response.json)


async def test_a_command_removed_since_the_client_loaded_says_to_reload_discord(
    running: Harness,
) -> None:
    interaction = await running.fake.slash("oldcommand", {}, author=READER)
    response = await callback(running.fake, interaction)
    assert response["data"]["content"] == CHANGED
    assert response["data"]["flags"] == EPHEMERAL


@pytest.mark.parametrize("pinged", [True, False])  # a reply pings the bot unless turned off
async def test_thanks_in_reply_to_the_bot_is_not_taken_for_a_question(
    running: Harness, pinged: bool
) -> None:
    fake = running.fake
    pings = [BOT_USER] if pinged else []
    await fake.message_create(
        mention("What is the weather in Paris tomorrow?"), author=READER, mentions=[BOT_USER]
    )
    await bot_replies(fake, CHANNEL_ID)
    decline = list(fake.messages.values())[-1]
    await fake.message_create("thanks!", author=READER, reply_to=decline, mentions=pings)
    await fake.message_create(
        "And what did the FAA do?", author=READER, reply_to=decline, mentions=pings
    )
    _, second = await bot_replies(fake, CHANNEL_ID, count=2)  # the decline, then the FAA
    assert "Federal Aviation Administration" in second.json["embeds"][0]["description"]
    await asyncio.sleep(0.2)
    posted = [r for r in fake.requests if r.path == f"/channels/{CHANNEL_ID}/messages"]
    assert len(posted) == 2  # nothing for "thanks!"


async def test_a_topic_with_no_words_is_refused_privately(
    fake: FakeDiscord, running: Harness
) -> None:
    interaction = await fake.slash("summary", {"topic": "🚀🚀"}, author=READER)
    response = await callback(fake, interaction)
    assert response["type"] == 4  # at once, not after a public "thinking…"
    assert response["data"]["flags"] == EPHEMERAL
    assert response["data"]["content"].startswith("Name a topic in a few words")
