"""Questions: messages that address the bot, messages in ask channels, and ``/ask``.

The bot answers a message that mentions it, a reply to one of its answers, a DM (when
``COVERAGE_BOT_ANSWER_DMS`` is on), and any question-like message in an ask channel.
Where it was not addressed (an ask channel) it stays quiet unless it has an answer.
Ask channels, threads, the cooldown and the number of results are the server's own
settings (``/settings``), read for each message so a change applies at once.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections import defaultdict

import discord
from discord import app_commands
from discord.ext import commands

from bot.answer import Answer, QuestionError, looks_like_question
from bot.discord_bot.client import CoverageBot
from bot.discord_bot.failures import UNEXPECTED
from bot.discord_bot.formatting import (
    MESSAGE_CONTENT_LIMIT,
    NO_ANSWER,
    answer_embed,
    fit,
    shorten,
)
from bot.discord_bot.views import NO_PINGS, AnswerView
from bot.state.guild_config import GuildConfig
from bot.state.question_log import AskedQuestion

log = logging.getLogger(__name__)

Cooldowns = commands.CooldownMapping[int]
THREAD_NAME_LIMIT = 100
"""Discord's longest thread name."""


class Trigger(enum.Enum):
    """Why a message is for the bot; all but ASK_CHANNEL address it directly."""

    MENTION = "mention"
    REPLY = "reply"
    DIRECT_MESSAGE = "dm"
    ASK_CHANNEL = "ask channel"


def slow_down(retry_after: float) -> str:
    return (
        f"You're asking faster than I can keep up with; "
        f"please try again in {max(1, round(retry_after))} s."
    )


class Ask(commands.Cog):
    def __init__(self, bot: CoverageBot) -> None:
        self.bot = bot
        # One bucket per member in each server, shared by messages and /ask, at the
        # server's rate: a server's mapping is made again when its cooldown changes.
        self._cooldowns: dict[int | None, tuple[tuple[int, float], Cooldowns]] = {}
        # Reading the settings is an await: questions take the server's cooldown in the
        # order they arrived, not the order their reads come back in.
        self._in_order: defaultdict[int | None, asyncio.Lock] = defaultdict(asyncio.Lock)

    def retry_after(self, guild_id: int | None, config: GuildConfig, user_id: int) -> float:
        """Seconds the member must wait before asking here, or 0."""
        rate = (config.cooldown_rate, config.cooldown_seconds)
        known = self._cooldowns.get(guild_id)
        if known is None or known[0] != rate:
            mapping: Cooldowns = commands.CooldownMapping.from_cooldown(*rate, lambda u: u)
            known = self._cooldowns[guild_id] = (rate, mapping)
        return known[1].update_rate_limit(user_id) or 0.0

    def addressed(self, message: discord.Message) -> Trigger | None:
        """How ``message`` addresses the bot directly, or None."""
        me = self.bot.user
        if message.author.bot or me is None:
            return None
        if isinstance(message.channel, discord.DMChannel):
            return Trigger.DIRECT_MESSAGE if self.bot.settings.answer_dms else None
        replied_to = message.reference.resolved if message.reference else None
        to_me = isinstance(replied_to, discord.Message) and replied_to.author.id == me.id
        # A reply pings whom it answers by default, which puts the bot in the mentions
        # without its name in the text: that is a reply, not a mention.
        named = f"<@{me.id}>" in message.content or f"<@!{me.id}>" in message.content
        if me in message.mentions and (named or not to_me):
            return Trigger.MENTION
        if to_me and looks_like_question(message.content):  # not "thanks!" under an answer
            return Trigger.REPLY
        return None

    async def answer(self, question: str, results: int) -> Answer:
        """The answer, worked out off the event loop so a slow search blocks nobody."""
        knowledge = self.bot.knowledge
        return await asyncio.to_thread(knowledge.answerer.answer, question, results)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        trigger = self.addressed(message)
        guild_id = message.guild.id if message.guild else None
        if trigger is None and (
            message.author.bot or guild_id is None or not looks_like_question(message.content)
        ):
            return  # the server's settings are read only for a message that may be for us
        async with self._in_order[guild_id]:
            config = await self.bot.state.config(guild_id)
            if trigger is None:
                if message.channel.id not in config.ask_channels:
                    return
                trigger = Trigger.ASK_CHANNEL
            retry_after = self.retry_after(guild_id, config, message.author.id)
        addressed = trigger is not Trigger.ASK_CHANNEL
        if retry_after:
            if addressed:
                await self._reply(message, slow_down(retry_after))
            return
        try:
            async with message.channel.typing():
                answer = await self.answer(message.content, config.results)
        except QuestionError as error:
            if addressed:
                await self._reply(message, fit(str(error), MESSAGE_CONTENT_LIMIT))
            return
        except Exception:  # the log has it; the member who asked is not left waiting
            log.exception("question failed trigger=%s message=%s", trigger.value, message.id)
            if addressed:
                await self._reply(message, UNEXPECTED)
            return
        log.info(
            "question answered trigger=%s channel=%s found=%s",
            trigger.value,
            message.channel.id,
            answer.best.ref.id if answer.best else None,
        )
        self.bot.state.log_question(
            AskedQuestion.of(answer, guild_id, message.channel.id), message.id
        )
        if answer.best is not None or addressed:
            await self._send(message, answer, config)

    async def _send(self, message: discord.Message, answer: Answer, config: GuildConfig) -> None:
        """The answer (or the decline) as a reply, or in a new thread when the server
        answers in threads."""
        thread = await self._thread(message, answer) if config.threads else None
        if answer.best is None:
            if thread is not None:
                await thread.send(NO_ANSWER, allowed_mentions=NO_PINGS)
            else:
                await self._reply(message, NO_ANSWER)
            return
        view = self._view(answer, message.author.id, message.id, config)
        embed = answer_embed(answer)
        if thread is not None:
            view.message = await thread.send(embed=embed, view=view, allowed_mentions=NO_PINGS)
        else:
            view.message = await message.reply(
                embed=embed, view=view, mention_author=False, allowed_mentions=NO_PINGS
            )

    def _view(
        self, answer: Answer, owner_id: int, question_id: int, config: GuildConfig
    ) -> AnswerView:
        """The answer's buttons; vote buttons when the server wants them and the question
        is being logged."""
        votes = config.feedback and self.bot.state.available
        return AnswerView(
            answer,
            owner_id,
            self.bot.settings.view_timeout,
            votes_for=(self.bot, question_id) if votes else None,
        )

    async def _thread(self, message: discord.Message, answer: Answer) -> discord.Thread | None:
        """A thread started from the question, for the answer; None where there can be
        none (a thread already, a DM) or Discord refuses one (the channel's reply then)."""
        if not isinstance(message.channel, discord.TextChannel):
            return None
        try:
            # A thread name shows no markdown and pings no one: shortened, not escaped.
            return await message.create_thread(name=shorten(answer.question, THREAD_NAME_LIMIT))
        except discord.HTTPException as error:
            log.info("answering in the channel; no thread for %s: %s", message.id, error)
            return None

    async def _reply(self, message: discord.Message, text: str) -> None:
        await message.reply(text, mention_author=False, allowed_mentions=NO_PINGS)

    @app_commands.command(name="ask", description="Ask a question about the coverage")
    @app_commands.describe(question="What you want to know, in your own words")
    async def ask(
        self, interaction: discord.Interaction, question: app_commands.Range[str, 1, 1000]
    ) -> None:
        async with self._in_order[interaction.guild_id]:
            config = await self.bot.state.config(interaction.guild_id)
            retry_after = self.retry_after(interaction.guild_id, config, interaction.user.id)
        if retry_after:
            await interaction.response.send_message(slow_down(retry_after), ephemeral=True)
            return
        try:
            # bad input is told privately, before anything is public
            self.bot.knowledge.answerer.check(question)
        except QuestionError as error:
            await interaction.response.send_message(
                fit(str(error), MESSAGE_CONTENT_LIMIT), ephemeral=True
            )
            return
        await interaction.response.defer(thinking=True)
        answer = await self.answer(question, config.results)
        self.bot.state.log_question(
            AskedQuestion.of(answer, interaction.guild_id, interaction.channel_id),
            interaction.id,
        )
        if answer.best is None:
            await interaction.followup.send(NO_ANSWER, allowed_mentions=NO_PINGS)
            return
        view = self._view(answer, interaction.user.id, interaction.id, config)
        view.message = await interaction.followup.send(
            embed=answer_embed(answer), view=view, allowed_mentions=NO_PINGS, wait=True
        )


async def setup(bot: CoverageBot) -> None:
    await bot.add_cog(Ask(bot))
