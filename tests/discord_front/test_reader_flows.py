"""What readers do that is not a plain question: chatter in an ask channel, thanks and
greetings, floods, deleted questions, follow-ups in answer threads, the bot's role
picked from Discord's @ list, buttons pressed late or by someone else."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from fake_discord import (
    ASK_CHANNEL_ID,
    BOT_ID,
    BOT_USER,
    CHANNEL_ID,
    DM_CHANNEL_ID,
    GUILD_ID,
    FakeDiscord,
    member,
    snowflake,
    user,
)
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
from test_settings_cog import settings

from bot.discord_bot import views
from bot.knowledge import Knowledge

READER = user(42, "reader")
OTHER = user(43, "other")
FAA = "Federal Aviation Administration"
SLOW = "You're asking faster than I can keep up with"


def posted(fake: FakeDiscord, channel_id: int) -> list[dict[str, Any]]:
    return [
        r.json
        for r in fake.requests
        if r.method == "POST" and r.path == f"/channels/{channel_id}/messages"
    ]


async def test_ask_channel_chatter_does_not_use_up_a_members_questions(running: Harness) -> None:
    fake = running.fake
    for chatter in ("Anyone going to lunch?", "What time is standup?", "Who has the projector?"):
        await fake.message_create(chatter, author=READER, channel_id=ASK_CHANNEL_ID)
    await fake.message_create("What did the FAA do?", author=READER, channel_id=ASK_CHANNEL_ID)
    [reply] = await bot_replies(fake, ASK_CHANNEL_ID)  # three questions a minute allowed
    assert FAA in reply.json["embeds"][0]["description"]
    assert not [r for r in fake.requests if r.path.endswith("/typing")]  # not for chatter


async def test_a_flood_in_an_ask_channel_is_answered_to_the_cooldown_then_quietly_left(
    running: Harness,
) -> None:
    fake = running.fake
    for _ in range(6):
        await fake.message_create("What did the FAA do?", author=READER, channel_id=ASK_CHANNEL_ID)
    await bot_replies(fake, ASK_CHANNEL_ID, count=3)
    await fake.message_create(mention("What did the FAA do?"), author=OTHER, mentions=[BOT_USER])
    await bot_replies(fake, CHANNEL_ID)  # handled after all six
    answers = posted(fake, ASK_CHANNEL_ID)
    assert len(answers) == 3 and all(answer.get("embeds") for answer in answers)


async def test_chatter_being_searched_holds_no_turn_from_the_question_after_it(
    running: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = running.fake
    await settings(fake, "cooldown", {"questions": 1, "seconds": 60.0})
    ask = running.bot.get_cog("Ask")
    answer = ask.answer

    async def slow(question: str, results: int) -> Any:  # a busy machine
        await asyncio.sleep(0.3)
        return await answer(question, results)

    monkeypatch.setattr(ask, "answer", slow)
    await fake.message_create("Anyone going to lunch?", author=READER, channel_id=ASK_CHANNEL_ID)
    await fake.message_create("What did the FAA do?", author=READER, channel_id=ASK_CHANNEL_ID)
    [reply] = await bot_replies(fake, ASK_CHANNEL_ID)
    assert FAA in reply.json["embeds"][0]["description"]


async def test_questions_with_nothing_to_search_are_not_counted(running: Harness) -> None:
    fake = running.fake
    for _ in range(3):
        await fake.message_create(mention("🚀🔥"), author=READER, mentions=[BOT_USER])
    await fake.message_create(mention("What did the FAA do?"), author=READER, mentions=[BOT_USER])
    replies = await bot_replies(fake, CHANNEL_ID, count=4)
    assert [bool(r.json.get("embeds")) for r in replies] == [False, False, False, True]
    for _ in range(3):
        refused = await fake.slash("ask", {"question": "🚀"}, author=OTHER)
        assert (await callback(fake, refused))["data"]["flags"] == 64  # told privately
    asked = await fake.slash("ask", {"question": "What did the FAA do?"}, author=OTHER)
    assert (await callback(fake, asked))["type"] == 5  # thinking: not "slow down"


async def test_a_member_over_the_cooldown_is_told_once_a_wait(running: Harness) -> None:
    fake = running.fake
    for _ in range(8):
        await fake.message_create(
            mention("What did the FAA do?"), author=READER, mentions=[BOT_USER]
        )
    replies = await bot_replies(fake, CHANNEL_ID, count=4)
    await asyncio.sleep(0.5)  # time for any further reply to arrive
    contents = [r.get("content") or "" for r in posted(fake, CHANNEL_ID)]
    assert len(contents) == 4
    assert [c.startswith(SLOW) for c in contents].count(True) == 1
    assert all(r.json["allowed_mentions"] == {"parse": [], "replied_user": False} for r in replies)


async def test_a_question_deleted_before_the_answer_still_gets_it(
    running: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    fake = running.fake
    question = await fake.message_create(
        mention("What did the FAA do?"), author=READER, mentions=[BOT_USER], deleted=True
    )
    [reply] = await bot_replies(fake, CHANNEL_ID)
    assert FAA in reply.json["embeds"][0]["description"]
    reference = reply.json["message_reference"]
    assert (reference["message_id"], reference["fail_if_not_exists"]) == (
        int(question["id"]),
        False,  # Discord posts it as a plain message, instead of refusing the answer
    )
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_decline_is_one_line_in_the_channel_even_with_threads(running: Harness) -> None:
    fake = running.fake
    await settings(fake, "threads", {"on": True})
    await fake.message_create(
        mention("What is the capital of France?"), author=READER, mentions=[BOT_USER]
    )
    [reply] = await bot_replies(fake, CHANNEL_ID)
    assert reply.json["content"].startswith("The coverage doesn't answer that.")
    assert not [r for r in fake.requests if r.path.endswith("/threads")]


async def test_a_follow_up_in_an_answer_thread_needs_no_mention(running: Harness) -> None:
    fake = running.fake
    await settings(fake, "threads", {"on": True})
    question = await fake.message_create(
        "What did the FAA do?", author=READER, channel_id=ASK_CHANNEL_ID
    )
    thread_id = int(question["id"])  # a thread's id is that of the message it starts from
    await bot_replies(fake, thread_id)
    await fake.dispatch(  # Discord tells the bot of the thread it made
        "THREAD_CREATE",
        {
            "id": str(thread_id),
            "type": 11,
            "guild_id": str(GUILD_ID),
            "parent_id": str(ASK_CHANNEL_ID),
            "owner_id": str(BOT_ID),
            "name": "What did the FAA do?",
            "message_count": 1,
            "member_count": 1,
            "rate_limit_per_user": 0,
            "flags": 0,
            "newly_created": True,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": 1440,
                "archive_timestamp": "2020-01-08T12:00:01+00:00",
                "locked": False,
            },
        },
    )
    await fake.message_create("What did Pelosi tell the room?", author=READER, channel_id=thread_id)
    _, follow_up = await bot_replies(fake, thread_id, count=2)
    assert "**Pelosi told the room to pray.**" in follow_up.json["embeds"][0]["description"]


async def test_the_bots_own_role_picked_from_the_list_is_a_mention(running: Harness) -> None:
    fake = running.fake
    role_id = snowflake()
    role = {
        "id": str(role_id),
        "name": "coverage-bot",
        "permissions": "0",
        "position": 1,
        "color": 0,
        "hoist": False,
        "managed": True,
        "mentionable": False,
        "flags": 0,
        "tags": {"bot_id": str(BOT_ID)},
    }
    await fake.dispatch("GUILD_ROLE_CREATE", {"guild_id": str(GUILD_ID), "role": role})
    message = {
        "id": str(snowflake()),
        "channel_id": str(CHANNEL_ID),
        "guild_id": str(GUILD_ID),
        "author": READER,
        "member": {k: v for k, v in member(READER).items() if k != "user"},
        "content": f"<@&{role_id}> What did the FAA do?",
        "timestamp": "2020-01-08T12:00:00+00:00",
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [str(role_id)],
        "attachments": [],
        "embeds": [],
        "pinned": False,
        "type": 0,
        "flags": 0,
        "components": [],
    }
    await fake.dispatch("MESSAGE_CREATE", message)
    [reply] = await bot_replies(fake, CHANNEL_ID)
    assert FAA in reply.json["embeds"][0]["description"]


async def test_thanks_and_greetings_get_no_reply(running: Harness) -> None:
    fake = running.fake
    await fake.message_create("thanks!", author=READER, channel_id=DM_CHANNEL_ID)
    await fake.message_create("ok 👍", author=READER, channel_id=DM_CHANNEL_ID)
    await fake.message_create(mention("thank you so much!"), author=READER, mentions=[BOT_USER])
    await fake.message_create("What did the FAA do?", author=READER, channel_id=DM_CHANNEL_ID)
    [reply] = await bot_replies(fake, DM_CHANNEL_ID)
    assert FAA in reply.json["embeds"][0]["description"]
    await asyncio.sleep(0.3)
    assert len(posted(fake, DM_CHANNEL_ID)) == 1
    assert posted(fake, CHANNEL_ID) == []


@pytest.mark.parametrize(
    "typed",
    [
        "Any update on the FAA restriction?!",
        "FAA airspace restriction? 🤔",
        "**What** did the FAA do",
        "Hey, what did the FAA do",
        "Tell me about the FAA restriction",
    ],
)
async def test_questions_as_people_type_them_in_an_ask_channel(
    running: Harness, typed: str
) -> None:
    await running.fake.message_create(typed, author=READER, channel_id=ASK_CHANNEL_ID)
    [reply] = await bot_replies(running.fake, ASK_CHANNEL_ID)
    assert FAA in reply.json["embeds"][0]["description"]


async def test_a_request_in_reply_to_an_answer_is_a_follow_up(running: Harness) -> None:
    fake = running.fake
    await fake.message_create(mention("What did Trump tweet?"), author=READER, mentions=[BOT_USER])
    await bot_replies(fake, CHANNEL_ID)
    answer = fake.messages[max(fake.messages)]
    await fake.message_create(
        "Explain the FAA restriction", author=READER, reply_to=answer, mentions=[BOT_USER]
    )
    _, follow_up = await bot_replies(fake, CHANNEL_ID, count=2)
    assert FAA in follow_up.json["embeds"][0]["description"]


async def test_anyone_may_read_the_whole_article_privately(running: Harness) -> None:
    fake = running.fake
    await fake.message_create(
        mention("How many missiles did Iran launch?"), author=READER, mentions=[BOT_USER]
    )
    await bot_replies(fake, CHANNEL_ID)
    answer = fake.messages[max(fake.messages)]
    shown = await callback(fake, await press(fake, answer, "Whole article", by=OTHER))
    assert shown["data"]["flags"] == 64  # only they see it
    assert (
        shown["data"]["embeds"][0]["title"] == "Signs of respite with Iran despite Trump's red line"
    )
    refused = await callback(fake, await press(fake, answer, "Next result", by=OTHER))
    assert refused["data"]["content"] == views.NOT_YOURS


async def test_buttons_whose_view_timed_out_unseen_say_so_when_pressed(
    fake: FakeDiscord, tmp_path: Any, knowledge: Knowledge
) -> None:
    """Past an interaction token's 15 minutes Discord refuses to grey out an /ask
    answer's buttons; pressing one later must not end in "This interaction failed"."""
    fake.tokens_expired = True
    bot = await start_bot(fake, bot_settings(tmp_path, view_timeout=0.2), knowledge)
    try:
        asked = await fake.slash("ask", {"question": "What did the FAA do?"}, author=READER)
        await followup(fake, asked)
        answer = fake.messages[max(fake.messages)]
        await asyncio.sleep(0.6)  # the view times out; greying its buttons out is refused
        pressed = await press(fake, answer, "Whole article", by=READER)
        greyed = await callback(fake, pressed)
        assert greyed["type"] == 7
        buttons = [b for row in greyed["data"]["components"] for b in row["components"]]
        assert all(b.get("disabled") for b in buttons if b["custom_id"].startswith("view:"))
        told = (await followup(fake, pressed)).json
        assert (told["content"], told["flags"]) == (views.EXPIRED, 64)
    finally:
        await stop_bot(bot)


async def test_an_article_name_is_repeated_back_without_markup(running: Harness) -> None:
    typed = "<#900000000000000005> </ask:900000000000000099> <t:1578441600:R> \x00\x1b[31mzzz"
    asked = await running.fake.slash("summary", {"article": typed}, author=READER)
    told = (await callback(running.fake, asked))["data"]["content"]
    assert told == "No article matches “zzz”. /articles lists them."
