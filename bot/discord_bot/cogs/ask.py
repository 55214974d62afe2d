"""Questions: messages that address the bot, messages in ask channels, and ``/ask``.

The bot answers a message that mentions it (or its role), a question-like reply to one of
its answers, a DM (when ``COVERAGE_BOT_ANSWER_DMS`` is on), and any question-like message
in an ask channel or a thread under one; never thanks or greetings (bot.chat_messages).
Where it was not addressed (an ask channel) it stays quiet unless it has an answer, and
only answers count against the member's cooldown there (a member over it is not
searched for). A question that cannot be searched is never counted, and a member over
the cooldown is told once a wait, where they addressed the bot.
Ask channels, threads, the cooldown and the number of results are the server's own
settings (``/settings``), read for each message so a change applies at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
from collections import defaultdict

import discord
from discord import app_commands
from discord.ext import commands

from bot.answer import Answer, QuestionError
from bot.chat_messages import is_small_talk, looks_like_question
from bot.discord_bot.client import CoverageBot
from bot.discord_bot.cooldowns import QuestionLimits
from bot.discord_bot.failures import UNEXPECTED
from bot.discord_bot.formatting import (
    MESSAGE_CONTENT_LIMIT,
    answer_embed,
    declined,
    fit,
    shorten,
)
from bot.discord_bot.views import NO_PINGS, AnswerView
from bot.state.guild_config import GuildConfig
from bot.state.question_log import AskedQuestion

log = logging.getLogger(__name__)

THREAD_NAME_LIMIT = 100
"""Discord's longest thread name."""


class Trigger(enum.Enum):
    """Why a message is for the bot; all but ASK_CHANNEL address it directly."""

    MENTION = "mention"
    REPLY = "reply"
    DIRECT_MESSAGE = "dm"
    ASK_CHANNEL = "ask channel"


def slow_down(wait: float) -> str:
    return (
        f"You're asking faster than I can keep up with; "
        f"please try again in {max(1, round(wait))} s."
    )


class Ask(commands.Cog):
    def __init__(self, bot: CoverageBot) -> None:
        self.bot = bot
        # Each member's questions in each server, shared by messages and /ask, at the
        # server's rate (read for each question, so a change applies at once).
        self._limits = QuestionLimits()
        # Reading the settings is an await: questions take the server's cooldown in the
        # order they arrived, not the order their reads come back in.
        self._in_order: defaultdict[int | None, asyncio.Lock] = defaultdict(asyncio.Lock)

    def turn(
        self, guild_id: int | None, config: GuildConfig, user_id: int, take: bool = True
    ) -> float:
        """Count a question against the member's cooldown in this server (or, not
        ``take``, only look), or return the seconds they must wait (counting nothing)."""
        rate, per = config.cooldown_rate, config.cooldown_seconds
        if take:
            return self._limits.take((guild_id, user_id), rate, per)
        return self._limits.wait((guild_id, user_id), rate, per)

    def addressed(self, message: discord.Message) -> Trigger | None:
        """How ``message`` addresses the bot directly, or None (also for thanks and
        greetings, which ask nothing: looked for only in messages to the bot)."""
        trigger = self._trigger(message)
        return None if trigger is not None and is_small_talk(message.content) else trigger

    def _trigger(self, message: discord.Message) -> Trigger | None:
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
        if (me in message.mentions and (named or not to_me)) or _names_my_role(message):
            return Trigger.MENTION
        if to_me and looks_like_question(message.content):  # not "ha, crazy" under an answer
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
                if not in_ask_channel(message.channel, config):
                    return
                trigger = Trigger.ASK_CHANNEL
            addressed = trigger is not Trigger.ASK_CHANNEL
            unsearchable = self.unsearchable(message.content)
            # A question that cannot be searched costs no turn of the cooldown; unaddressed,
            # the turns are only looked at: an answer takes one (below), chatter none.
            wait = (
                0.0 if unsearchable else self.turn(guild_id, config, message.author.id, addressed)
            )
        if unsearchable is not None:
            if addressed:
                await self._reply(message, unsearchable)
            return
        if wait:  # where it was not addressed, the bot stays quiet, as on no answer
            if addressed and self._limits.first_refusal((guild_id, message.author.id), wait):
                await self._reply(message, slow_down(wait))
            return
        # Unaddressed, "typing" would show for chatter the bot then ignores.
        typing = message.channel.typing() if addressed else contextlib.nullcontext()
        try:
            async with typing:
                answer = await self.answer(message.content, config.results)
        except QuestionError as error:  # the coverage changed since the check
            if addressed:
                await self._reply(message, fit(str(error), MESSAGE_CONTENT_LIMIT))
            return
        except Exception:  # the log has it; the member who asked is not left waiting
            log.exception("question failed trigger=%s message=%s", trigger.value, message.id)
            if addressed:
                await self._reply(message, UNEXPECTED)
            return
        if (
            not addressed
            and answer.best is not None
            and self.turn(guild_id, config, message.author.id)
        ):
            return  # another answer took the last turn meanwhile: quiet, as over the limit
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
        if answer.best is None:  # a decline is one line: no thread of its own
            await self._reply(message, declined(answer))
            return
        thread = await self._thread(message, answer) if config.threads else None
        view = self._view(answer, message.author.id, message.id, config)
        embed = answer_embed(answer)
        if thread is not None:
            view.message = await thread.send(embed=embed, view=view, allowed_mentions=NO_PINGS)
        else:
            view.message = await message.channel.send(
                embed=embed,
                view=view,
                reference=_reference(message),
                mention_author=False,
                allowed_mentions=NO_PINGS,
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

    def unsearchable(self, question: str) -> str | None:
        """Why the question cannot be searched (no words, too long), or None."""
        try:
            self.bot.knowledge.answerer.check(question)
        except QuestionError as error:
            return fit(str(error), MESSAGE_CONTENT_LIMIT)
        return None

    async def _reply(self, message: discord.Message, text: str) -> None:
        await message.channel.send(
            text, reference=_reference(message), mention_author=False, allowed_mentions=NO_PINGS
        )

    @app_commands.command(name="ask", description="Ask a question about the coverage")
    @app_commands.describe(question="What you want to know, in your own words")
    async def ask(
        self, interaction: discord.Interaction, question: app_commands.Range[str, 1, 1000]
    ) -> None:
        if (unsearchable := self.unsearchable(question)) is not None:
            # bad input is told privately, before anything is public or counted
            await interaction.response.send_message(unsearchable, ephemeral=True)
            return
        async with self._in_order[interaction.guild_id]:
            config = await self.bot.state.config(interaction.guild_id)
            wait = self.turn(interaction.guild_id, config, interaction.user.id)
        if wait:
            await interaction.response.send_message(slow_down(wait), ephemeral=True)
            return
        await interaction.response.defer(thinking=True)
        answer = await self.answer(question, config.results)
        self.bot.state.log_question(
            AskedQuestion.of(answer, interaction.guild_id, interaction.channel_id),
            interaction.id,
        )
        if answer.best is None:
            await interaction.followup.send(declined(answer), allowed_mentions=NO_PINGS)
            return
        view = self._view(answer, interaction.user.id, interaction.id, config)
        view.message = await interaction.followup.send(
            embed=answer_embed(answer), view=view, allowed_mentions=NO_PINGS, wait=True
        )


def _names_my_role(message: discord.Message) -> bool:
    """Whether the message mentions the bot's own role: Discord's @ list offers it beside
    the bot, and people pick either."""
    role = message.guild.self_role if message.guild else None
    return role is not None and role in message.role_mentions


def in_ask_channel(channel: discord.abc.Messageable, config: GuildConfig) -> bool:
    """Whether the channel is one of the server's ask channels, or a thread in one (the
    bot's own answer threads among them: a follow-up there needs no mention)."""
    if isinstance(channel, discord.Thread):
        return channel.parent_id in config.ask_channels
    return getattr(channel, "id", None) in config.ask_channels


def _reference(message: discord.Message) -> discord.MessageReference:
    """A reply to ``message`` that Discord posts anyway, as a plain message, if the
    question was deleted while the bot worked on it (else it refuses the answer)."""
    return message.to_reference(fail_if_not_exists=False)


async def setup(bot: CoverageBot) -> None:
    await bot.add_cog(Ask(bot))
