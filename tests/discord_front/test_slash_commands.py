"""Slash commands, autocomplete and buttons: the interaction callbacks Discord receives."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from fake_discord import (
    BOT_USER,
    CHANNEL_ID,
    MANAGE_GUILD,
    OWNER_ID,
    FakeDiscord,
    user,
)
from harness import (
    Harness,
    bot_settings,
    button_ids,
    callback,
    followup,
    mention,
    press,
    start_bot,
    stop_bot,
)

from bot.discord_bot.formatting import NO_ANSWER
from bot.discord_bot.views import NOT_YOURS
from bot.knowledge import Knowledge, build_index, load_knowledge
from bot.store import StoredCorpus

READER = user(42, "reader")
OWNER = user(OWNER_ID, "owner")  # the application's owner, as Discord's application info says
OTHER = user(43, "someone-else")
EPHEMERAL = 64
CHANNEL_MESSAGE, DEFERRED, UPDATE_MESSAGE, AUTOCOMPLETE_RESULT = 4, 5, 7, 8
PRIVATE = {"flags": EPHEMERAL, "tts": False, "allowed_mentions": {"parse": []}}
ALL_IS_WELL = 'Trump says "all is well" after Iranian strikes on bases hosting U.S. troops'


async def test_ask_defers_then_follows_up_with_the_answer(running: Harness) -> None:
    fake = running.fake
    interaction = await fake.slash("ask", {"question": "What did the FAA do?"}, author=READER)
    assert await callback(fake, interaction) == {"type": DEFERRED}
    answer = (await followup(fake, interaction)).json
    [embed] = answer["embeds"]
    assert embed["title"] == ALL_IS_WELL
    assert embed["description"] == (
        "**The reaction: The Federal Aviation Administration issued an emergency restriction "
        "for airspace around the Persian Gulf.**"
    )
    assert embed["author"]["name"] == "What did the FAA do?"
    assert answer["allowed_mentions"] == {"parse": []}
    # Only one passage mentions the FAA, so there is no next result to page to.
    assert set(button_ids(answer["components"])) == {"Whole article", "Helpful", "Not helpful"}


async def test_ask_with_no_words_is_told_privately(running: Harness) -> None:
    interaction = await running.fake.slash("ask", {"question": "🚀🔥"}, author=READER)
    response = await callback(running.fake, interaction)
    assert response["type"] == CHANNEL_MESSAGE
    assert response["data"]["flags"] == EPHEMERAL
    assert response["data"]["content"].startswith("That question has no words to search for")


async def test_ask_off_topic_is_declined_in_one_line(running: Harness) -> None:
    interaction = await running.fake.slash(
        "ask", {"question": "What is the capital of France?"}, author=READER
    )
    assert (await followup(running.fake, interaction)).json["content"] == NO_ANSWER


async def test_ask_misspelt_and_declined_says_how_it_was_read(running: Harness) -> None:
    interaction = await running.fake.slash(
        "ask", {"question": "How many missles did North Korea lanch?"}, author=READER
    )
    assert (await followup(running.fake, interaction)).json["content"] == (
        NO_ANSWER + "\n-# Read as: How many missiles did North Korea launch?"
    )


async def test_ask_cooldown_is_shared_with_messages_and_private(running: Harness) -> None:
    fake = running.fake
    await fake.message_create(mention("What did the FAA do?"), author=READER, mentions=[BOT_USER])
    first_two = [
        await fake.slash("ask", {"question": "What did the FAA do?"}, author=READER)
        for _ in range(2)
    ]
    fourth = await fake.slash("ask", {"question": "What did the FAA do?"}, author=READER)
    response = await callback(fake, fourth)
    assert response["data"]["flags"] == EPHEMERAL
    assert response["data"]["content"].startswith("You're asking faster")
    for interaction in first_two:
        assert (await followup(fake, interaction)).json["embeds"]


async def test_articles_lists_the_headlines(running: Harness) -> None:
    interaction = await running.fake.slash("articles", {}, author=READER)
    response = await callback(running.fake, interaction)
    assert response["type"] == CHANNEL_MESSAGE
    [embed] = response["data"]["embeds"]
    assert embed["title"] == "Articles (4)"
    assert "**Signs of respite with Iran despite Trump's red line**" in embed["description"]
    assert 'Trump says "all is well" after Iranian strikes' in embed["description"]
    assert response["data"]["allowed_mentions"] == {"parse": []}


async def test_summary_of_the_story_cites_each_sentences_article(running: Harness) -> None:
    fake = running.fake
    interaction = await fake.slash("summary", {}, author=READER)
    assert await callback(fake, interaction) == {"type": DEFERRED}
    [embed] = (await followup(fake, interaction)).json["embeds"]
    assert embed["title"] == "The story so far"
    lines = embed["description"].split("\n")
    assert len(lines) == 12  # six sentences, each followed by its headline
    assert lines[1] == f"  — *{ALL_IS_WELL}*"
    assert lines[0].startswith('• President Trump tweeted Tuesday night "all is well"')
    assert len(embed["description"]) <= 4096
    assert embed["footer"]["text"] == "Every sentence is quoted from the coverage."


async def test_summary_of_an_article_chosen_by_autocomplete_value(running: Harness) -> None:
    fake = running.fake
    interaction = await fake.slash(
        "summary", {"article": "trump-responds-to-missile-strikes-iran-db349c"}, author=READER
    )
    [embed] = (await followup(fake, interaction)).json["embeds"]
    assert embed["title"] == 'Trump responds to missile strikes: "Iran appears to be standing down"'
    assert embed["description"].startswith("• President Trump said in a White House address")
    lines = embed["description"].split("\n")
    assert all(line.startswith("• ") for line in lines)  # the title names the article once


async def test_summary_of_a_topic(running: Harness) -> None:
    interaction = await running.fake.slash("summary", {"topic": "Khamenei"}, author=READER)
    [embed] = (await followup(running.fake, interaction)).json["embeds"]
    assert embed["title"] == "What the coverage says about Khamenei"
    assert embed["description"].count("Khamenei") >= 3


async def test_summary_of_an_uncovered_topic_says_so_plainly(running: Harness) -> None:
    interaction = await running.fake.slash("summary", {"topic": "weather in Paris"}, author=READER)
    message = (await followup(running.fake, interaction)).json
    assert message["content"] == "There is nothing in the coverage about weather in Paris."
    assert not message.get("embeds")


async def test_summary_of_an_unknown_article_is_told_privately(running: Harness) -> None:
    interaction = await running.fake.slash("summary", {"article": "moon landing"}, author=READER)
    response = await callback(running.fake, interaction)
    assert response["data"] == {
        **PRIVATE,
        "content": "No article matches “moon landing”. /articles lists them.",
    }


async def test_summary_of_article_and_topic_at_once_is_refused(running: Harness) -> None:
    interaction = await running.fake.slash(
        "summary", {"article": "respite", "topic": "casualties"}, author=READER
    )
    response = await callback(running.fake, interaction)
    assert response["data"]["content"] == "Choose an article or a topic, not both."
    assert response["data"]["flags"] == EPHEMERAL


async def test_article_autocomplete_matches_headline_words(running: Harness) -> None:
    fake = running.fake
    data = {
        "id": "1",
        "name": "summary",
        "type": 1,
        "options": [{"name": "article", "type": 3, "value": "respite iran", "focused": True}],
    }
    interaction = await fake.interaction_create(4, data, author=READER)
    response = await callback(fake, interaction)
    assert response == {
        "type": AUTOCOMPLETE_RESULT,
        "data": {
            "choices": [
                {
                    "name": "Signs of respite with Iran despite Trump's red line",
                    "value": "signs-of-respite-with-iran-despite-trumps-d6ac47",
                }
            ]
        },
    }


async def test_about_reports_what_is_loaded(running: Harness) -> None:
    interaction = await running.fake.slash("about", {}, author=READER)
    [embed] = (await callback(running.fake, interaction))["data"]["embeds"]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Articles"] == "4"
    assert fields["Passages"] == "26"
    assert fields["Dates"] == "Jan 8, 2020"
    assert fields["Index built"].startswith("<t:")
    assert fields["Ranking"] == "BM25"  # the harness's knowledge has no semantic stage
    assert fields["Declines below"] == "0.320 (the default)"


async def test_reload_is_refused_to_a_server_admin_who_does_not_run_the_bot(
    running: Harness,
) -> None:
    interaction = await running.fake.slash("reload", {}, author=READER, permissions=MANAGE_GUILD)
    response = await callback(running.fake, interaction)
    assert response["data"]["flags"] == EPHEMERAL
    assert response["data"]["content"] == (
        "Only the people who run the bot can do that: it changes the coverage every server shares."
    )


async def test_reload_swaps_in_the_new_corpus(
    fake: FakeDiscord, tmp_path: Path, knowledge: Knowledge
) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(knowledge.path, corpus)
    bot = await start_bot(fake, bot_settings(tmp_path, corpus=corpus), knowledge)
    try:
        (corpus / "oil.md").write_text(
            "---\nheadline: Oil jumps\ndate: 2020-01-08\n---\nOil rose.\n"
        )
        interaction = await fake.slash("reload", {}, author=OWNER, permissions=MANAGE_GUILD)
        deferred = await callback(fake, interaction)
        assert deferred == {"type": DEFERRED, "data": {"flags": EPHEMERAL}}
        done = (await followup(fake, interaction)).json
        assert done["content"] == "Reloaded: 5 articles, 27 passages."
        assert done["flags"] == EPHEMERAL
        assert [a.headline for a in bot.knowledge.corpus.articles][-1] == "Oil jumps"
    finally:
        await stop_bot(bot)


async def test_failed_reload_keeps_answering_from_the_old_corpus(
    fake: FakeDiscord, tmp_path: Path, knowledge: Knowledge
) -> None:
    bot = await start_bot(fake, bot_settings(tmp_path, corpus=tmp_path / "gone"), knowledge)
    try:
        interaction = await fake.slash("reload", {}, author=OWNER, permissions=MANAGE_GUILD)
        failed = (await followup(fake, interaction)).json
        assert failed["content"].startswith("Reload failed, so I'm still answering from")
        assert "no corpus at" in failed["content"]
        assert bot.knowledge is knowledge
        await fake.message_create(
            mention("What did the FAA do?"), author=READER, mentions=[BOT_USER]
        )
        [reply] = await fake.wait_for_request(lambda r: r.path.endswith("/messages"))
        assert reply.json["embeds"][0]["title"] == ALL_IS_WELL
    finally:
        await stop_bot(bot)


async def test_next_result_button_pages_through_the_ranking(running: Harness) -> None:
    fake = running.fake
    interaction = await fake.slash("ask", {"question": "What did Trump tweet?"}, author=READER)
    answer = (await followup(fake, interaction)).json
    message = next(m for m in fake.messages.values() if m["embeds"] == answer["embeds"])
    click = await press(fake, message, "Next result", by=READER)
    response = await callback(fake, click)
    assert response["type"] == UPDATE_MESSAGE
    assert response["data"]["embeds"][0]["footer"]["text"].startswith("Result 2 of 3")


async def test_buttons_answer_only_the_asker(running: Harness) -> None:
    fake = running.fake
    interaction = await fake.slash("ask", {"question": "What did Trump tweet?"}, author=READER)
    answer = (await followup(fake, interaction)).json
    message = next(m for m in fake.messages.values() if m["embeds"] == answer["embeds"])
    click = await press(fake, message, "Next result", by=OTHER)
    response = await callback(fake, click)
    assert response["data"] == {**PRIVATE, "content": NOT_YOURS}


async def test_whole_article_button_shows_the_article_privately_in_pages(
    running: Harness,
) -> None:
    fake = running.fake
    interaction = await fake.slash("ask", {"question": "What did the FAA do?"}, author=READER)
    answer = (await followup(fake, interaction)).json
    message = next(m for m in fake.messages.values() if m["embeds"] == answer["embeds"])
    response = await callback(fake, await press(fake, message, "Whole article", by=READER))
    assert response["data"]["flags"] == EPHEMERAL
    [page] = response["data"]["embeds"]
    assert page["title"] == ALL_IS_WELL
    assert page["footer"]["text"].startswith("Page 1 of 2")
    assert page["description"].startswith("President Trump tweeted Tuesday night")
    assert set(button_ids(response["data"]["components"])) == {"Previous", "Next"}


async def test_buttons_are_disabled_when_the_view_times_out(
    fake: FakeDiscord, tmp_path: Path, knowledge: Knowledge
) -> None:
    bot = await start_bot(fake, bot_settings(tmp_path, view_timeout=0.2), knowledge)
    try:
        question = await fake.message_create(
            f"<@{bot.user.id}> What did the FAA do?", author=READER, mentions=[bot_user(bot)]
        )
        [edit] = await fake.wait_for_request(
            lambda r: r.method == "PATCH" and r.path.startswith(f"/channels/{CHANNEL_ID}/messages/")
        )
        buttons = {c["label"]: c for row in edit.json["components"] for c in row["components"]}
        assert buttons["Whole article"]["disabled"]
        # The vote outlives the view: it is answered from the database, after a restart too.
        assert not buttons["Helpful"]["disabled"] and not buttons["Not helpful"]["disabled"]
        assert question["id"] != edit.path.rsplit("/", 1)[1]
    finally:
        await stop_bot(bot)


def bot_user(bot: Any) -> dict[str, Any]:
    return user(bot.user.id, bot.user.name, bot=True)


async def test_page_buttons_turn_the_pages_of_a_whole_article(running: Harness) -> None:
    fake = running.fake
    interaction = await fake.slash("ask", {"question": "What did the FAA do?"}, author=READER)
    answer = (await followup(fake, interaction)).json
    message = next(m for m in fake.messages.values() if m["embeds"] == answer["embeds"])
    shown = await callback(fake, await press(fake, message, "Whole article", by=READER))
    pages_message = next(
        m for m in fake.messages.values() if m["embeds"] == shown["data"]["embeds"]
    )
    turned = await callback(fake, await press(fake, pages_message, "Next", by=READER))
    assert turned["type"] == UPDATE_MESSAGE
    assert turned["data"]["embeds"][0]["footer"]["text"].startswith("Page 2 of 2")
    states = {
        c["label"]: c["disabled"] for row in turned["data"]["components"] for c in row["components"]
    }
    assert states == {"Previous": False, "Next": True}


async def test_reload_rebuilds_the_index_folder_while_the_old_one_answers(
    fake: FakeDiscord, tmp_path: Path, knowledge: Knowledge
) -> None:
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(knowledge.path, corpus)
    build_index(corpus, index)
    settings = bot_settings(tmp_path, corpus=corpus, index=index)
    bot = await start_bot(fake, settings, load_knowledge(corpus, index))
    try:
        (corpus / "oil.md").write_text(
            "---\nheadline: Oil jumps\ndate: 2020-01-08\n---\nOil rose.\n"
        )
        interaction = await fake.slash("reload", {}, author=OWNER, permissions=MANAGE_GUILD)
        done = (await followup(fake, interaction)).json
        assert done["content"] == "Reloaded: 5 articles, 27 passages."
        assert isinstance(bot.knowledge.corpus, StoredCorpus)
        assert load_knowledge(corpus, index).corpus.find_articles("oil jumps")
    finally:
        await stop_bot(bot)
