"""Coverage that pushes every one of Discord's limits still gets the member a reply.

One article has a 2,000-character source, a 10,000-character headline, a passage of
about 20,000 characters, 50 quotes with long attributions (the last 5,000 characters) and a
``javascript:`` url, with markdown and mentions in all of them. Every reply the bot
makes from it must be one the fake Discord (which refuses what Discord refuses)
accepts; the sizes are asserted here as well.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from discord_rules import message_errors
from fake_discord import BOT_USER, CHANNEL_ID, FakeDiscord, user
from harness import (
    Harness,
    bot_replies,
    bot_settings,
    callback,
    followup,
    mention,
    press,
    start_bot,
    stop_bot,
)

from bot.knowledge import Knowledge, build_knowledge

READER = user(42, "reader")
MARKUP = (
    "[a](https://a.example) **bold** _it_ @everyone <@123456789012345678>"
    " [link](javascript:alert(1)) [phish](https://evil.example/p)"
)
LONG_SENTENCE = "Ballistic missiles struck the Ain al-Asad air base overnight, officials said."


def padded(text: str, length: int) -> str:
    """``text`` made ``length`` characters long with more words."""
    return (text + " more words" * length)[: length - 1] + "."


def hostile_record() -> dict[str, Any]:
    passage = " ".join(
        padded(f"Sentence {n} about the strikes says {MARKUP}", 1000) for n in range(20)
    )
    quotes = []
    for n in range(50):
        quotes += [
            f'"Quote {n}: the missiles hit the base {MARKUP}," an official said.',
            "— " + padded(f"Official {n} {MARKUP} and spokesperson", 5000 if n == 49 else 700),
        ]
    return {
        "headline": padded(f"Missiles strike bases {MARKUP}", 10_000),
        "date": "2020-01-08",
        "source": padded(f"source {MARKUP}", 2000),
        "url": "javascript:alert(document.cookie)",
        "paragraphs": [f"{passage} {LONG_SENTENCE}", *quotes],
    }


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Knowledge:
    path = tmp_path_factory.mktemp("hostile") / "hostile.jsonl"
    record = hostile_record()
    assert (len(record["headline"]), len(record["source"])) == (10_000, 2000)
    path.write_text(json.dumps(record) + "\n")
    return build_knowledge(path)


@pytest.fixture
async def bot(fake: FakeDiscord, tmp_path: Path, hostile: Knowledge) -> AsyncIterator[Harness]:
    running = await start_bot(fake, bot_settings(tmp_path, top=3), hostile)
    yield Harness(fake, running)
    await stop_bot(running)


def assert_fits(body: dict[str, Any]) -> None:
    """The sizes Discord checks, and no refusal from the rules the fake applies."""
    assert len(body.get("content") or "") <= 2000
    embeds = body.get("embeds") or []
    total = 0
    for embed in embeds:
        assert len(embed.get("title") or "") <= 256
        assert len(embed.get("description") or "") <= 4096
        assert len(embed.get("footer", {}).get("text") or "") <= 2048
        assert len(embed.get("author", {}).get("name") or "") <= 256
        assert embed.get("url") is None or embed["url"].startswith(("http://", "https://"))
        total += sum(
            len(text)
            for text in (
                embed.get("title") or "",
                embed.get("description") or "",
                embed.get("footer", {}).get("text") or "",
                embed.get("author", {}).get("name") or "",
            )
        )
    assert total <= 6000
    assert message_errors(body) == {}


def assert_escaped(embed: dict[str, Any]) -> None:
    """Markdown and mentions from the corpus show as written: none of them works."""
    shown = (embed.get("title") or "") + (embed.get("description") or "")
    assert "@everyone" not in shown and "<@123" not in shown
    assert "@\u200beveryone" in shown
    assert "\\*\\*bold\\*\\*" in shown
    assert "\\[phish\\](https://evil.example/p)" in shown  # the second link on a line too


def shown_message(fake: FakeDiscord, body: dict[str, Any]) -> dict[str, Any]:
    """The message the fake stored for a response body, to press its buttons."""
    return next(m for m in fake.messages.values() if m["embeds"] == body["embeds"])


async def test_a_mention_gets_an_answer_within_every_limit(bot: Harness) -> None:
    await bot.fake.message_create(
        mention("Which air base did the missiles strike?"), author=READER, mentions=[BOT_USER]
    )
    [reply] = await bot_replies(bot.fake, CHANNEL_ID)
    assert_fits(reply.json)
    [embed] = reply.json["embeds"]
    assert_escaped(embed)
    assert "url" not in embed  # javascript: is not a link Discord takes
    # The answer ends a 20,000-character passage: it is shown, in bold, with what precedes it.
    assert embed["description"].startswith("… Sentence ")
    assert embed["description"].endswith(f"**{LONG_SENTENCE}**")
    assert embed["title"].startswith("Missiles strike bases") and embed["title"].endswith("…")
    assert len(embed["footer"]["text"]) < 300


async def test_ask_next_result_and_every_whole_article_page_fit(bot: Harness) -> None:
    fake = bot.fake
    interaction = await fake.slash(
        "ask", {"question": "Which air base did the missiles strike?"}, author=READER
    )
    answer = (await followup(fake, interaction)).json
    assert_fits(answer)
    message = shown_message(fake, answer)

    turned = await callback(fake, await press(fake, message, "Next result", by=READER))
    assert turned["type"] == 7
    assert_fits(turned["data"])
    assert turned["data"]["embeds"][0]["footer"]["text"].startswith("Result 2 of 3")

    page = await callback(fake, await press(fake, message, "Whole article", by=READER))
    assert_fits(page["data"])
    assert_escaped(page["data"]["embeds"][0])
    footer = page["data"]["embeds"][0]["footer"]["text"]
    pages = int(footer.split(" · ")[0].rsplit(" ", 1)[1])
    assert pages > 1
    pages_message = shown_message(fake, page["data"])
    for number in range(2, pages + 1):
        page = await callback(fake, await press(fake, pages_message, "Next", by=READER))
        assert_fits(page["data"])
        assert page["data"]["embeds"][0]["footer"]["text"].startswith(f"Page {number} of")
    assert "Official 49" in page["data"]["embeds"][0]["description"]


@pytest.mark.parametrize(
    "options",
    [{}, {"article": "missiles strike bases"}, {"topic": "missiles"}],
    ids=["story", "article", "topic"],
)
async def test_summaries_fit(bot: Harness, options: dict[str, str]) -> None:
    interaction = await bot.fake.slash("summary", options, author=READER)
    body = (await followup(bot.fake, interaction)).json
    assert_fits(body)
    [embed] = body["embeds"]
    assert embed["description"].startswith("• ")


async def test_headlines_and_autocomplete_fit(bot: Harness) -> None:
    fake = bot.fake
    listed = await callback(fake, await fake.slash("articles", {}, author=READER))
    assert_fits(listed["data"])
    data = {
        "id": "1",
        "name": "summary",
        "type": 1,
        "options": [{"name": "article", "type": 3, "value": "missiles", "focused": True}],
    }
    choices = await callback(fake, await fake.interaction_create(4, data, author=READER))
    [choice] = choices["data"]["choices"]
    assert len(choice["name"]) <= 100 and len(choice["value"]) <= 100
