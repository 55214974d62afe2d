"""The bot: discord.py's ``commands.Bot`` holding the current knowledge and the cogs."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord
from discord.ext import commands

from bot.config import Settings
from bot.corpus.writer import CorpusNotWritable
from bot.discord_bot.feedback import VoteButton
from bot.discord_bot.server_state import ServerState
from bot.discord_bot.sync import sync_commands
from bot.discord_bot.views import ExpiredButton
from bot.feed_state import FeedStateError
from bot.feeds import FeedStatus, Poller
from bot.knowledge import KNOWLEDGE_ERRORS, Knowledge, rebuild_knowledge
from bot.store import indexed_corpus

log = logging.getLogger(__name__)

EXTENSIONS = (
    "bot.discord_bot.cogs.ask",
    "bot.discord_bot.cogs.coverage",
    "bot.discord_bot.cogs.admin",
    "bot.discord_bot.cogs.feeds",
    "bot.discord_bot.cogs.settings",
    "bot.discord_bot.cogs.report",
    "bot.discord_bot.cogs.errors",
)


# The least the bot needs in a channel: see it, read the message it replies to, answer
# with an embed. README's invite URL carries this number.
PERMISSIONS = discord.Permissions(
    view_channel=True, send_messages=True, embed_links=True, read_message_history=True
)


def invite_url(application_id: int) -> str:
    """The OAuth2 URL that adds the bot to a server with its scopes and permissions."""
    return discord.utils.oauth_url(
        application_id, permissions=PERMISSIONS, scopes=("bot", "applications.commands")
    )


def intents_for(settings: Settings) -> discord.Intents:
    """Guild and DM messages; message content only when the privileged intent is wanted."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.dm_messages = True
    intents.message_content = settings.message_content
    return intents


def feed_poller(settings: Settings) -> Poller | None:
    """The poller that writes feeds' new articles into the corpus the bot answers from
    (an index folder's own corpus, when there is one), or None when there is nowhere to
    write them (the bundled coverage, a single file, no folder): said in a log line when
    feeds are configured."""
    corpus = (indexed_corpus(settings.index) if settings.index else None) or settings.corpus
    if not corpus.is_dir():
        if settings.feeds:
            log.warning("feeds are not followed: the corpus %s is not a folder", corpus)
        return None
    try:
        return Poller(settings.feeds, settings.state_dir, corpus, interval=settings.feed_interval)
    except CorpusNotWritable as error:
        if settings.feeds:
            log.warning("feeds are not followed: %s", error)
        return None


class ReloadRunning(RuntimeError):
    """A reload was asked for while another was under way."""


class CoverageBot(commands.Bot):
    """Answers from :attr:`knowledge`, which :meth:`reload` replaces whole."""

    def __init__(
        self,
        settings: Settings,
        knowledge: Knowledge,
        *,
        force_sync: bool = False,
        **options: Any,
    ) -> None:
        """``options`` go to discord.py's Client (e.g. ``guild_ready_timeout``)."""
        # The bot has no voice features; discord.py would warn about missing voice libraries.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        super().__init__(
            command_prefix=(),  # no text commands; see on_message
            help_command=None,
            intents=intents_for(settings),
            allowed_mentions=discord.AllowedMentions.none(),
            **options,
        )
        self.settings = settings
        self.knowledge = knowledge
        self.force_sync = force_sync
        self._reload_lock = asyncio.Lock()
        self._refreshing: asyncio.Task[None] | None = None
        self.state = ServerState(settings)
        self.poller = feed_poller(settings)

    async def announce_channels(self) -> list[discord.abc.Messageable]:
        """The channels new articles are announced in: each server's own (``/settings
        announce``), else COVERAGE_BOT_ANNOUNCE_CHANNEL in the server that has it."""
        channels: list[discord.abc.Messageable] = []
        for guild in self.guilds:
            channel_id = (await self.state.config(guild.id)).announce_channel
            channel = guild.get_channel(channel_id) if channel_id else None  # 0: nowhere
            if isinstance(channel, discord.abc.Messageable):
                channels.append(channel)
        return channels

    def feed_statuses(self) -> list[FeedStatus]:
        """The followed feeds' last polls, for /about (none when they cannot be read)."""
        if self.poller is None:
            return []
        try:
            return self.poller.statuses()
        except FeedStateError as error:
            log.warning("feed states not shown: %s", error)
            return []

    async def setup_hook(self) -> None:
        await self.state.open()
        # Votes on any answer, sent before a restart too; other buttons from before it say so.
        self.add_dynamic_items(VoteButton, ExpiredButton)
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        await sync_commands(self, force=self.force_sync)

    async def close(self) -> None:
        await super().close()
        await self.state.close()

    async def reload(self) -> Knowledge:
        """Re-read the corpus (and rebuild the index folder, if one is set) off the event
        loop and swap it in; on failure keep the old. The bot answers meanwhile.

        ReloadRunning when a reload is under way: the check and taking the lock have no
        await between them, so two requests at once cannot both start a rebuild.
        """
        if self._reload_lock.locked():
            raise ReloadRunning
        async with self._reload_lock:
            knowledge = await asyncio.to_thread(
                rebuild_knowledge,
                self.settings.corpus,
                self.settings.index,
                self.knowledge.ranking,
            )
            self.knowledge = knowledge
        log.info(
            "reloaded corpus: articles=%d passages=%d skipped=%d",
            len(knowledge.corpus.articles),
            len(knowledge.corpus.passages),
            knowledge.skipped,
        )
        for warning in knowledge.warnings:
            if not warning.skipped:  # read despite a fault: a skipped file is counted above
                log.warning("%s", warning)
        return knowledge

    def refresh_if_outdated(self) -> asyncio.Task[None] | None:
        """Rebuild an index older than its corpus in the background, as /reload does,
        while the old one answers: a restart after adding an article keeps the bot up."""
        if self.knowledge.outdated is None or self._refreshing is not None:
            return self._refreshing
        log.warning("%s; answering from it while it is rebuilt", self.knowledge.outdated)
        self._refreshing = asyncio.create_task(self._refresh())
        return self._refreshing

    async def _refresh(self) -> None:
        try:
            await self.reload()
        except ReloadRunning:  # a /reload got there first and rebuilds it anyway
            return
        except KNOWLEDGE_ERRORS as error:
            log.warning("rebuilding the index failed, so the old one keeps answering: %s", error)

    async def on_message(self, message: discord.Message) -> None:
        """No text commands: the Ask cog handles messages (Bot's default would parse them)."""

    async def on_ready(self) -> None:
        assert self.user is not None
        log.info("connected as %s (id=%s) guilds=%d", self.user, self.user.id, len(self.guilds))
        if self.application_id is not None:
            log.info("invite URL: %s", invite_url(self.application_id))


class ShardedCoverageBot(CoverageBot, commands.AutoShardedBot):
    """The same bot over several gateway connections, for thousands of servers; processes
    running other shards share the index folder and the database URL."""


def make_bot(settings: Settings, knowledge: Knowledge, **options: Any) -> CoverageBot:
    """The bot, sharded when COVERAGE_BOT_SHARD_COUNT is set (this process runs
    COVERAGE_BOT_SHARD_IDS, or every shard)."""
    if settings.shard_count is None:
        return CoverageBot(settings, knowledge, **options)
    shard_ids = list(settings.shard_ids) if settings.shard_ids is not None else None
    return ShardedCoverageBot(
        settings, knowledge, shard_count=settings.shard_count, shard_ids=shard_ids, **options
    )
