"""Feeds while the bot runs: a new article is answerable without a restart, announced in
the announce channel without pings, and /about shows each feed's last poll."""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_discord import ASK_CHANNEL_ID, CHANNEL_ID, GUILD_ID, FakeDiscord, user
from harness import bot_replies, bot_settings, callback, mention, start_bot, stop_bot
from web_site import Site, article_page, rss, running_site

from bot.discord_bot.formatting import EMBED_FIELD_VALUE_LIMIT, feed_lines
from bot.feeds import FeedStatus
from bot.knowledge import build_index, load_knowledge

BOT_USER = user(900_000_000_000_000_001, "coverage-bot", bot=True)
READER = user(42, "reader")
DEPOT = "Calder Falls council approves new bus depot"
DEPOT_TEXT = [
    "The Calder Falls city council voted 7-2 on Friday night to build a new bus depot on the "
    "site of the old rail yard, ending a two-year fight over where the growing fleet is kept.",
    "The depot will hold 120 buses and cost $48 million, most of it paid by a federal transit "
    "grant the city won last autumn. Construction is due to start in June.",
    "Transit union leaders welcomed the decision but said drivers still needed better break "
    "rooms at the downtown terminal, where the nearest restroom is a block away.",
    "Council member Ada Brooks, who voted no, said the rail yard should have become housing "
    "and that the city had not studied the noise the depot would bring to nearby streets.",
]
FERRY = "Ferry service to Mill Island resumes after repairs"
FERRY_TEXT = [
    "Ferry service between the downtown pier and Mill Island resumed on Saturday after six "
    "weeks of repairs to the hull of the city's only car ferry, the Margaret Dunn.",
    "The repairs cost $1.2 million, the harbour authority said, and the ferry will run every "
    "40 minutes from 6 a.m. until midnight through the summer season.",
    "Island residents had relied on a passenger launch that carried 30 people at a time and "
    "could not take cars, forcing many to park on the mainland for more than a month.",
]


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    with running_site() as site:
        yield site


async def test_a_new_feed_article_is_answered_and_announced_without_a_restart(
    fake: FakeDiscord, tmp_path: Path, site: Site
) -> None:
    """The first poll runs as soon as the bot is ready; the next when the feed is due."""
    corpus = tmp_path / "news"
    shutil.copytree(Path(__file__).resolve().parents[2] / "corpus", corpus)
    depot = site.serve("/a/depot", article_page(DEPOT, DEPOT_TEXT, date="2025-03-22"))
    item = {"title": DEPOT, "link": depot, "pubDate": "Sat, 22 Mar 2025 09:00:00 GMT"}
    feed = site.serve("/feed.xml", rss([item]), "application/rss+xml")
    settings = bot_settings(
        tmp_path, corpus=corpus, feeds=(feed,), announce_channel=CHANNEL_ID, feed_interval=60
    )
    bot = await start_bot(fake, settings, load_knowledge(corpus, None))
    try:
        [announced] = await bot_replies(fake, CHANNEL_ID)
        [embed] = announced.json["embeds"]
        assert embed["title"] == DEPOT and embed["url"] == depot
        assert embed["description"].startswith("The Calder Falls city council voted 7-2")
        assert embed["footer"]["text"].startswith("New article · Mar 22, 2025")
        assert announced.json["allowed_mentions"] == {"parse": []}
        assert [p.name for p in corpus.glob("2025-03-22-*.md")] == [
            "2025-03-22-calder-falls-council-approves-new-bus-depot.md"
        ]

        await fake.message_create(
            mention("How many buses will the depot hold?"),
            author=READER,
            channel_id=ASK_CHANNEL_ID,
            mentions=[BOT_USER],
        )
        [answer] = await bot_replies(fake, ASK_CHANNEL_ID)
        assert answer.json["embeds"][0]["title"] == DEPOT
        assert "120 buses" in answer.json["embeds"][0]["description"]

        # The feed gains an item; at its next poll only the new one is fetched and announced.
        ferry = site.serve("/a/ferry", article_page(FERRY, FERRY_TEXT, date="2025-03-23"))
        newer = {"title": FERRY, "link": ferry, "pubDate": "Sun, 23 Mar 2025 09:00:00 GMT"}
        site.serve("/feed.xml", rss([newer, item]), "application/rss+xml")
        cog: Any = bot.get_cog("Feeds")  # loaded as an extension: a module of its own
        report = await cog.poll(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=61))
        assert report is not None and [a.headline for a in report.articles] == [FERRY]
        announcements = await bot_replies(fake, CHANNEL_ID, count=2)
        assert announcements[1].json["embeds"][0]["title"] == FERRY
        assert len(site.asked("/a/depot")) == 1  # seen items are not fetched again

        about = await fake.slash("about", {}, author=READER)
        fields = {
            f["name"]: f["value"]
            for f in (await callback(fake, about))["data"]["embeds"][0]["fields"]
        }
        assert fields["Articles"] == "6"
        assert fields["Feeds"].startswith(f"{feed}: <t:") and fields["Feeds"].endswith(
            ":R>, 1 new item: 1 added"
        )
    finally:
        await stop_bot(bot)


async def test_feeds_are_not_followed_into_the_bundled_coverage(
    fake: FakeDiscord, tmp_path: Path, site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    feed = site.serve("/other.xml", rss([]), "application/rss+xml")
    settings = bot_settings(tmp_path, feeds=(feed,))
    bot = await start_bot(fake, settings, load_knowledge(settings.corpus, None))
    try:
        assert bot.poller is None
        assert "feeds are not followed: articles are not added to the bundled coverage" in (
            caplog.text
        )
    finally:
        await stop_bot(bot)


def test_many_feeds_in_about_fit_a_field_and_say_how_many_more() -> None:
    polled = dt.datetime(2025, 3, 22, 12, tzinfo=dt.UTC)
    feeds = [
        FeedStatus(f"https://example.com/{'section/' * 12}{n}/feed.xml", polled, "no new items")
        for n in range(40)
    ]
    value = feed_lines(feeds, EMBED_FIELD_VALUE_LIMIT)
    assert len(value) <= EMBED_FIELD_VALUE_LIMIT
    shown = value.count("https://example.com/")
    assert 0 < shown < 40 and value.endswith(f"… and {40 - shown} more")
    assert feed_lines(feeds[:1], EMBED_FIELD_VALUE_LIMIT).endswith(":R>, no new items")


async def test_with_an_index_the_feeds_write_into_the_corpus_it_was_built_from(
    fake: FakeDiscord, tmp_path: Path, site: Site
) -> None:
    corpus = tmp_path / "news"
    shutil.copytree(Path(__file__).resolve().parents[2] / "corpus", corpus)
    build_index(corpus, tmp_path / "idx")
    ferry = site.serve("/b/ferry", article_page(FERRY, FERRY_TEXT, date="2025-03-23"))
    item = {"title": FERRY, "link": ferry, "pubDate": "Sun, 23 Mar 2025 09:00:00 GMT"}
    feed = site.serve("/index-feed.xml", rss([item]), "application/rss+xml")
    settings = bot_settings(tmp_path, index=tmp_path / "idx", feeds=(feed,), feed_interval=60)
    bot = await start_bot(fake, settings, load_knowledge(settings.corpus, tmp_path / "idx"))
    try:
        assert bot.poller is not None and bot.poller.writer.folder == corpus
        for _ in range(100):  # the first poll runs when the bot is ready; at most 10 s
            if FERRY in [a.headline for a in bot.knowledge.corpus.articles]:
                break
            await asyncio.sleep(0.1)
        assert FERRY in [a.headline for a in bot.knowledge.corpus.articles]
        assert [p.name for p in corpus.glob("2025-03-23-*.md")] == [
            "2025-03-23-ferry-service-to-mill-island-resumes-after-repairs.md"
        ]
    finally:
        await stop_bot(bot)


async def test_a_server_chooses_its_announce_channel_with_settings(
    fake: FakeDiscord, tmp_path: Path, site: Site
) -> None:
    corpus = tmp_path / "news"
    shutil.copytree(Path(__file__).resolve().parents[2] / "corpus", corpus)
    feed = site.serve("/quiet.xml", rss([]), "application/rss+xml")
    settings = bot_settings(tmp_path, corpus=corpus, feeds=(feed,), feed_interval=60)
    bot = await start_bot(fake, settings, load_knowledge(corpus, None))
    try:
        assert await bot.announce_channels() == []  # nowhere by default
        assert bot.state.configs is not None
        await bot.state.configs.change(GUILD_ID, announce_channel=ASK_CHANNEL_ID)
        ferry = site.serve("/c/ferry", article_page(FERRY, FERRY_TEXT, date="2025-03-23"))
        item = {"title": FERRY, "link": ferry, "pubDate": "Sun, 23 Mar 2025 09:00:00 GMT"}
        site.serve("/quiet.xml", rss([item]), "application/rss+xml")
        cog: Any = bot.get_cog("Feeds")
        await cog.poll(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=61))
        [announced] = await bot_replies(fake, ASK_CHANNEL_ID)
        assert announced.json["embeds"][0]["title"] == FERRY
    finally:
        await stop_bot(bot)
