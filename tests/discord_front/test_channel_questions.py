"""Questions typed in Discord, answered by the real discord.py bot through a fake Discord.

Each test types a message as Discord would deliver it and asserts the HTTP request the
bot makes in reply: content, embed, allowed_mentions and message_reference.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from fake_discord import (
    ASK_CHANNEL_ID,
    BOT_USER,
    CHANNEL_ID,
    DM_CHANNEL_ID,
    FakeDiscord,
    user,
)
from harness import Harness, bot_replies, bot_settings, mention, start_bot, stop_bot

from bot.discord_bot.formatting import NO_ANSWER
from bot.knowledge import Knowledge

READER = user(42, "reader")
RESPITE = "Signs of respite with Iran despite Trump's red line"
NO_PINGS = {"parse": [], "replied_user": False}


async def test_mention_gets_an_embed_reply_to_the_question(running: Harness) -> None:
    question = await running.fake.message_create(
        mention("How many missiles did Iran launch?"), author=READER, mentions=[BOT_USER]
    )
    [reply] = await bot_replies(running.fake, CHANNEL_ID)
    body = reply.json
    [embed] = body["embeds"]
    assert embed["title"] == RESPITE
    assert embed["description"].startswith("**After Iran's launch of more than a dozen ballistic")
    assert embed["footer"]["text"] == (
        "Result 1 of 3 · Jan 8, 2020 · axios-iranian-official-mimics-trump-tweet-2020-01-08.txt"
    )
    assert embed["author"]["name"] == "How many missiles did Iran launch?"
    assert body["allowed_mentions"] == NO_PINGS
    assert body["message_reference"]["message_id"] == int(question["id"])
    buttons = [c["label"] for row in body["components"] for c in row["components"]]
    assert buttons == ["Next result", "Whole article", "Helpful", "Not helpful"]


async def test_a_misspelt_question_is_answered_and_says_how_it_was_read(
    running: Harness,
) -> None:
    await running.fake.message_create(
        mention("How many missles did Iran lanch?"), author=READER, mentions=[BOT_USER]
    )
    [reply] = await bot_replies(running.fake, CHANNEL_ID)
    [embed] = reply.json["embeds"]
    assert embed["title"] == RESPITE
    assert embed["author"]["name"] == "Read as: How many missiles did Iran launch?"


async def test_a_misspelt_declined_question_says_how_it_was_read_as_plain_text(
    running: Harness,
) -> None:
    await running.fake.message_create(
        mention("How many missles did North Korea lanch **today** @here?"),
        author=READER,
        mentions=[BOT_USER],
    )
    [reply] = await bot_replies(running.fake, CHANNEL_ID)
    assert reply.json["content"] == (
        NO_ANSWER + "\n-# Read as: How many missiles did North Korea launch \\*\\*today\\*\\* ?"
    )  # the mention dropped, as from any question, and the bold shown as typed
    assert reply.json["allowed_mentions"] == NO_PINGS


async def test_bot_shows_typing_while_it_works(running: Harness) -> None:
    await running.fake.message_create(
        mention("What did the FAA do?"), author=READER, mentions=[BOT_USER]
    )
    await bot_replies(running.fake, CHANNEL_ID)
    paths = [r.path for r in running.fake.requests if r.method == "POST"]
    typing = paths.index(f"/channels/{CHANNEL_ID}/typing")
    assert typing < paths.index(f"/channels/{CHANNEL_ID}/messages")


async def test_off_topic_mention_gets_one_plain_line(running: Harness) -> None:
    await running.fake.message_create(
        mention("What is the capital of France?"), author=READER, mentions=[BOT_USER]
    )
    [reply] = await bot_replies(running.fake, CHANNEL_ID)
    assert reply.json["content"] == NO_ANSWER
    assert not reply.json.get("embeds")
    assert reply.json["allowed_mentions"] == NO_PINGS


async def test_question_in_an_ask_channel_needs_no_mention(running: Harness) -> None:
    await running.fake.message_create(
        "What did Pelosi tell the room?", author=READER, channel_id=ASK_CHANNEL_ID
    )
    [reply] = await bot_replies(running.fake, ASK_CHANNEL_ID)
    assert "**Pelosi told the room to pray.**" in reply.json["embeds"][0]["description"]


async def test_ask_channel_chatter_and_unanswerable_questions_get_silence(running: Harness) -> None:
    fake = running.fake
    await fake.message_create("lol nice", author=READER, channel_id=ASK_CHANNEL_ID)
    await fake.message_create(
        "Who won the World Series?", author=user(43, "b"), channel_id=ASK_CHANNEL_ID
    )
    await fake.message_create(
        "Did the FAA restrict flights?", author=user(44, "c"), channel_id=ASK_CHANNEL_ID
    )
    # The third message is answered; by then the first two have been handled in silence.
    [reply] = await bot_replies(fake, ASK_CHANNEL_ID)
    assert "Federal Aviation Administration" in reply.json["embeds"][0]["description"]
    assert len([r for r in fake.requests if r.path.endswith("/messages")]) == 1


async def test_unaddressed_message_elsewhere_is_ignored(running: Harness) -> None:
    fake = running.fake
    await fake.message_create("How many missiles did Iran launch?", author=READER)
    await fake.message_create(
        mention("What did the FAA do?"), author=user(45, "d"), mentions=[BOT_USER]
    )
    [reply] = await bot_replies(fake, CHANNEL_ID)
    assert "Federal Aviation Administration" in reply.json["embeds"][0]["description"]
    assert len([r for r in fake.requests if r.path.endswith("/messages")]) == 1


async def test_direct_message_is_answered(running: Harness) -> None:
    await running.fake.message_create(
        "What did Saeed Jalili tweet?", author=READER, channel_id=DM_CHANNEL_ID
    )
    [reply] = await bot_replies(running.fake, DM_CHANNEL_ID)
    assert reply.json["embeds"][0]["title"] == (
        "Top Iranian official appears to mimic Trump tweet from Soleimani's killing"
    )


async def test_direct_messages_can_be_turned_off(
    fake: FakeDiscord, tmp_path: Path, knowledge: Knowledge
) -> None:
    bot = await start_bot(fake, bot_settings(tmp_path, answer_dms=False), knowledge)
    try:
        await fake.message_create(
            "What did Saeed Jalili tweet?", author=READER, channel_id=DM_CHANNEL_ID
        )
        await fake.message_create(
            mention("What did the FAA do?"), author=READER, mentions=[BOT_USER]
        )
        await bot_replies(fake, CHANNEL_ID)
        assert not [r for r in fake.requests if r.path == f"/channels/{DM_CHANNEL_ID}/messages"]
    finally:
        await stop_bot(bot)


async def test_reply_to_an_answer_is_a_follow_up_question(running: Harness) -> None:
    fake = running.fake
    await fake.message_create(mention("What did Trump tweet?"), author=READER, mentions=[BOT_USER])
    await bot_replies(fake, CHANNEL_ID)
    answer_message = list(fake.messages.values())[-1]
    await fake.message_create("And what did the FAA do?", author=READER, reply_to=answer_message)
    _, second = await bot_replies(fake, CHANNEL_ID, count=2)
    assert "Federal Aviation Administration" in second.json["embeds"][0]["description"]


async def test_everyone_in_a_question_pings_nobody(running: Harness) -> None:
    await running.fake.message_create(
        "@everyone " + mention("@here what did Pelosi tell the room? <@&77> <@99>"),
        author=READER,
        mentions=[BOT_USER],
    )
    [reply] = await bot_replies(running.fake, CHANNEL_ID)
    assert reply.json["allowed_mentions"] == NO_PINGS
    embed = reply.json["embeds"][0]
    assert embed["author"]["name"] == "what did Pelosi tell the room?"
    assert "@everyone" not in str(reply.json) and "@here" not in str(reply.json)


async def test_four_thousand_character_question_gets_a_clear_message(running: Harness) -> None:
    await running.fake.message_create(mention("Iran? " * 667), author=READER, mentions=[BOT_USER])
    [reply] = await bot_replies(running.fake, CHANNEL_ID)
    assert reply.json["content"] == (
        "That question is 4,001 characters long; please keep it to 1,000 at most."
    )
    assert reply.json["allowed_mentions"] == NO_PINGS


async def test_messages_from_bots_are_ignored(running: Harness) -> None:
    fake = running.fake
    await fake.message_create(
        mention("What did the FAA do?"), author=user(50, "other-bot", bot=True), mentions=[BOT_USER]
    )
    await fake.message_create(mention("What did the FAA do?"), author=BOT_USER, mentions=[BOT_USER])
    await fake.message_create(mention("What did Trump tweet?"), author=READER, mentions=[BOT_USER])
    [reply] = await bot_replies(fake, CHANNEL_ID)
    assert reply.json["embeds"][0]["author"]["name"] == "What did Trump tweet?"
    assert len([r for r in fake.requests if r.path.endswith("/messages")]) == 1


async def test_cooldown_answers_politely_after_the_rate(running: Harness) -> None:
    fake = running.fake
    questions = [
        await fake.message_create(
            mention("What did the FAA do?"), author=READER, mentions=[BOT_USER]
        )
        for _ in range(4)
    ]
    replies = await bot_replies(fake, CHANNEL_ID, count=4)
    by_question = {r.json["message_reference"]["message_id"]: r.json for r in replies}
    answered = [by_question[int(q["id"])] for q in questions]
    assert [bool(r.get("embeds")) for r in answered] == [True, True, True, False]
    assert answered[3]["content"].startswith("You're asking faster than I can keep up with")
    assert answered[3]["allowed_mentions"] == NO_PINGS


async def test_fifty_questions_at_once_are_all_answered(running: Harness) -> None:
    fake = running.fake
    questions = await asyncio.gather(
        *(
            fake.message_create(
                mention("How many missiles did Iran launch?"),
                author=user(1000 + n, f"r{n}"),
                mentions=[BOT_USER],
            )
            for n in range(50)
        )
    )
    replies = await bot_replies(fake, CHANNEL_ID, count=50, timeout=30)
    assert {r.json["message_reference"]["message_id"] for r in replies} == {
        int(q["id"]) for q in questions
    }
    assert {r.json["embeds"][0]["title"] for r in replies} == {RESPITE}


@pytest.mark.parametrize("content", ["", "   "])
async def test_bare_mention_asks_for_a_question(running: Harness, content: str) -> None:
    await running.fake.message_create(mention(content), author=READER, mentions=[BOT_USER])
    [reply] = await bot_replies(running.fake, CHANNEL_ID)
    assert reply.json["content"].startswith("Ask a question about the coverage")
