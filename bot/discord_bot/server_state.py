"""The state database as the bot uses it: each server's settings, and the question log.

The bot never waits on the database to keep answering: when it cannot be opened, or
fails while a message is handled, every server gets the operator's defaults, nothing is
logged, and the log says so in one line. Questions are logged in the background, off the
answer's path; an answer's vote buttons name the question by its Discord id, which is
known before the row is written. A daily task deletes questions past their retention.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from discord.ext import tasks

from bot.config import Settings
from bot.state.database import StateDatabase, StateLost, StateUnavailable, database_url
from bot.state.guild_config import GuildConfig, GuildConfigs, defaults_from
from bot.state.question_log import AskedQuestion, QuestionLog

log = logging.getLogger(__name__)

REOPEN_SECONDS = 60.0
"""How often a bot that could not open its database tries again."""
WITHOUT_DATABASE = "running without the state database (defaults only): %s"
"""The log line of a bot that lost its database, or could not open it."""
CLOSE_TIMEOUT = 5.0
"""Seconds the bot waits, when it closes, for questions still being logged."""


class ServerState:
    """Settings per server over the environment's defaults, and the question log."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.defaults = defaults_from(settings)
        self.database: StateDatabase | None = None
        self.configs: GuildConfigs | None = None
        self.questions: QuestionLog | None = None
        self._logging: dict[int, asyncio.Task[None]] = {}
        self._replacing: asyncio.Task[None] | None = None
        self._closing = False
        self.retention = tasks.loop(hours=24)(self.forget_old_questions)
        self.reopening = tasks.loop(seconds=REOPEN_SECONDS)(self._reopen)

    @property
    def available(self) -> bool:
        return self.database is not None

    async def open(self) -> None:
        """Open the database; when it cannot be, say why once, go on without it, and try
        again every REOPEN_SECONDS (a lock held for a while, a disk put right)."""
        if not await self._opened():
            self.reopening.start()

    async def _reopen(self) -> None:
        if await self._opened(quiet=True):
            log.info("the state database is open again: settings and the question log are back")
            self.reopening.stop()

    async def _opened(self, quiet: bool = False) -> bool:
        secret = self.settings.database_url
        url = database_url(secret.get_secret_value() if secret else None, self.settings.state_dir)
        try:
            database = await StateDatabase.open(url, on_lost=self._lost, writable=True)
        except StateUnavailable as error:
            if not quiet:
                log.warning(WITHOUT_DATABASE, error)
            return False
        self.database = database
        self.configs = GuildConfigs(self.database, self.defaults)
        self.questions = QuestionLog(self.database)
        if not self.retention.is_running():
            self.retention.start()
        return True

    def _lost(self, database: StateDatabase, error: StateLost) -> None:
        """The database went from under the bot (see StateLost): go on without it, as when
        it could not be opened, and open it again every REOPEN_SECONDS: a new file once the
        damaged one is moved away, or where the deleted one was. A loss an earlier
        database reports late (a task that still held it), or one while the bot closes,
        changes nothing."""
        if database is not self.database or self._closing:
            return
        log.warning(WITHOUT_DATABASE, error)
        lost, self.database = self.database, None
        self.configs = self.questions = None
        self._replacing = asyncio.create_task(self._reopen_later(lost))

    async def _reopen_later(self, lost: StateDatabase) -> None:
        """Close the lost database, then try opening it every REOPEN_SECONDS from one
        interval on: by then none of its connections is left to close late, which would
        delete a new file's write-ahead log (SQLite removes it by its name)."""
        await lost.close()
        await asyncio.sleep(REOPEN_SECONDS)
        if self.database is None and not self.reopening.is_running():
            self.reopening.start()

    async def close(self) -> None:
        """Stop the retention task, let questions being logged finish (for a while), then
        close the database."""
        self._closing = True
        if self._replacing is not None:
            self._replacing.cancel()
        self.reopening.cancel()
        running = self.retention.get_task()
        self.retention.cancel()
        if running is not None:
            await asyncio.wait({running}, timeout=CLOSE_TIMEOUT)
        if self._logging:
            await asyncio.wait(list(self._logging.values()), timeout=CLOSE_TIMEOUT)
        if self.database is not None:
            database, self.database = self.database, None
            await database.close()

    async def config(self, guild_id: int | None) -> GuildConfig:
        """The server's settings; the defaults in DMs and when the database fails."""
        if guild_id is None or self.configs is None:
            return self.defaults
        try:
            return await self.configs.get(guild_id)
        except StateUnavailable as error:
            log.warning("answering with the default settings: %s", error)
            return self.defaults

    def log_question(self, asked: AskedQuestion, discord_id: int) -> None:
        """Log the question in the background; the answer does not wait for it."""
        if self.questions is None:
            return
        task = asyncio.create_task(self._record(self.questions, asked, discord_id))
        self._logging[discord_id] = task
        task.add_done_callback(lambda _: self._logging.pop(discord_id, None))

    async def question_id(self, discord_id: int) -> int | None:
        """The log's id of a question, once it is logged (its logging may be under way).
        StateUnavailable when the database fails."""
        if self.questions is None:
            raise StateUnavailable("the state database is not open")
        pending = self._logging.get(discord_id)
        if pending is not None:
            await asyncio.wait({pending}, timeout=CLOSE_TIMEOUT)
        return await self.questions.question_id(discord_id)

    async def forget_old_questions(self) -> None:
        """Retention: delete questions older than COVERAGE_BOT_RETENTION_DAYS (daily)."""
        if self.questions is None:
            return
        days = self.settings.retention_days
        cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
        try:
            forgotten = await self.questions.forget_before(cutoff)
        except StateUnavailable as error:
            log.warning("old questions not deleted: %s", error)
            return
        if forgotten:
            log.info("deleted %d questions older than %d days", forgotten, days)

    @staticmethod
    async def _record(questions: QuestionLog, asked: AskedQuestion, discord_id: int) -> None:
        try:
            await questions.record(asked, discord_id=discord_id)
        except StateUnavailable as error:
            log.warning("question not logged: %s", error)
