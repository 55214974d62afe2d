"""Following feeds while the bot runs: new articles are written into the corpus, the
bot answers from them without a restart, and each is announced where a server asked.

The loop wakes every :data:`TICK_SECONDS`; the poller decides which feeds are due (each
at its own interval, backed off after failures), so a feed added with ``coverage-bot
feeds add`` is followed from the next tick without a restart.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

import discord
from discord.ext import commands, tasks

from bot.discord_bot.client import CoverageBot, ReloadRunning
from bot.discord_bot.formatting import announcement_embed
from bot.discord_bot.views import NO_PINGS
from bot.feed_state import FeedStateError
from bot.feeds import AddedArticle, PollReport
from bot.knowledge import KNOWLEDGE_ERRORS

log = logging.getLogger(__name__)

TICK_SECONDS = 60.0
"""How often the loop asks the poller whether a feed is due."""
UNLOAD_WAIT_SECONDS = 10.0
"""How long closing the bot waits for a poll it cancelled to end."""


class Feeds(commands.Cog):
    def __init__(self, bot: CoverageBot) -> None:
        self.bot = bot
        self._pending: list[AddedArticle] = []
        """Articles written into the corpus that the bot does not answer from yet: they
        are announced once a reload has loaded them."""
        self.follow.change_interval(seconds=TICK_SECONDS)

    async def cog_load(self) -> None:
        if self.bot.poller is not None:
            self.follow.start()

    async def cog_unload(self) -> None:
        """Stop polling, and let a poll under way end before the bot closes its database
        (an announcement may be reading the servers' settings); at most 10 s."""
        self.follow.cancel()
        task = self.follow.get_task()
        if task is not None and not task.done():
            await asyncio.wait({task}, timeout=UNLOAD_WAIT_SECONDS)

    @tasks.loop(seconds=TICK_SECONDS)
    async def follow(self) -> None:
        try:
            await self.poll()
        except Exception:  # an exception would end the loop: no feed polled until a restart
            log.exception("polling the feeds failed; the next tick tries again")

    @follow.before_loop
    async def _ready(self) -> None:
        await self.bot.wait_until_ready()

    async def poll(self, now: dt.datetime | None = None) -> PollReport | None:
        """Poll the feeds due at ``now`` (default: now), answer from what they added,
        and announce it."""
        poller = self.bot.poller
        if poller is None:
            return None
        try:
            report = await poller.poll_due(now)
        except (FeedStateError, OSError) as error:  # the loop goes on; the next tick retries
            log.warning("feeds not polled: %s", error)
            return None
        for feed in report.feeds:
            log.info("feed polled: url=%s ok=%s result=%s", feed.feed, feed.ok, feed.result)
            for note in feed.notes:
                log.info("feed note: url=%s %s", feed.feed, note)
        self._pending += report.articles
        if self._pending and await self._reload():
            announced, self._pending = self._pending, []
            await self.announce(announced)
        return report

    async def _reload(self) -> bool:
        """Whether the knowledge now holds the new articles (else the next tick tries)."""
        try:
            await self.bot.reload()
        except ReloadRunning:
            return False
        except KNOWLEDGE_ERRORS as error:
            log.warning("new articles could not be loaded, so the old coverage answers: %s", error)
            return False
        return True

    async def announce(self, articles: list[AddedArticle]) -> None:
        """One short embed per article in each announce channel (the servers' settings
        read once for them all); a channel the bot cannot post in is one log line."""
        channels = await self.bot.announce_channels()
        for article in articles:
            for channel in channels:
                try:
                    embed = announcement_embed(article)
                    await channel.send(embed=embed, allowed_mentions=NO_PINGS)
                except discord.HTTPException as error:
                    log.warning("cannot announce in channel %s: %s", channel.id, error.text)


async def setup(bot: CoverageBot) -> None:
    await bot.add_cog(Feeds(bot))
