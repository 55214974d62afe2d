"""Questions: messages that address the bot, messages in ask channels, and ``/ask``.

The bot answers a message that mentions it, a reply to one of its answers, a DM (when
``COVERAGE_BOT_ANSWER_DMS`` is on), and any question-like message in an ask channel.
Where it was not addressed (an ask channel) it stays quiet unless it has an answer.
"""

from __future__ import annotations

import asyncio
import enum
import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.answer import Answer, QuestionError, looks_like_question
from bot.discord_bot.client import CoverageBot
from bot.discord_bot.formatting import MESSAGE_CONTENT_LIMIT, NO_ANSWER, answer_embed, fit
from bot.discord_bot.views import NO_PINGS, AnswerView

log = logging.getLogger(__name__)


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
        settings = bot.settings
        # One bucket per member, shared by messages and /ask.
        self.cooldown: commands.CooldownMapping[int] = commands.CooldownMapping.from_cooldown(
            settings.cooldown_rate, settings.cooldown_seconds, lambda user_id: user_id
        )

    def trigger(self, message: discord.Message) -> Trigger | None:
        """How ``message`` addresses the bot, or None when it is not for the bot."""
        me = self.bot.user
        if message.author.bot or me is None:
            return None
        if isinstance(message.channel, discord.DMChannel):
            return Trigger.DIRECT_MESSAGE if self.bot.settings.answer_dms else None
        if me in message.mentions:
            return Trigger.MENTION
        replied_to = message.reference.resolved if message.reference else None
        if isinstance(replied_to, discord.Message) and replied_to.author.id == me.id:
            return Trigger.REPLY
        if message.channel.id in self.bot.settings.ask_channels:
            return Trigger.ASK_CHANNEL if looks_like_question(message.content) else None
        return None

    async def answer(self, question: str) -> Answer:
        """The answer, worked out off the event loop so a slow search blocks nobody."""
        knowledge = self.bot.knowledge
        return await asyncio.to_thread(knowledge.answerer.answer, question, self.bot.settings.top)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        trigger = self.trigger(message)
        if trigger is None:
            return
        addressed = trigger is not Trigger.ASK_CHANNEL
        retry_after = self.cooldown.update_rate_limit(message.author.id)
        if retry_after:
            if addressed:
                await self._reply(message, slow_down(retry_after))
            return
        try:
            async with message.channel.typing():
                answer = await self.answer(message.content)
        except QuestionError as error:
            if addressed:
                await self._reply(message, fit(str(error), MESSAGE_CONTENT_LIMIT))
            return
        log.info(
            "question answered trigger=%s channel=%s found=%s",
            trigger.value,
            message.channel.id,
            answer.best.ref.id if answer.best else None,
        )
        if answer.best is None:
            if addressed:
                await self._reply(message, NO_ANSWER)
            return
        view = AnswerView(answer, message.author.id, self.bot.settings.view_timeout)
        view.message = await message.reply(
            embed=answer_embed(answer), view=view, mention_author=False, allowed_mentions=NO_PINGS
        )

    async def _reply(self, message: discord.Message, text: str) -> None:
        await message.reply(text, mention_author=False, allowed_mentions=NO_PINGS)

    @app_commands.command(name="ask", description="Ask a question about the coverage")
    @app_commands.describe(question="What you want to know, in your own words")
    async def ask(
        self, interaction: discord.Interaction, question: app_commands.Range[str, 1, 1000]
    ) -> None:
        retry_after = self.cooldown.update_rate_limit(interaction.user.id)
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
        answer = await self.answer(question)
        if answer.best is None:
            await interaction.followup.send(NO_ANSWER, allowed_mentions=NO_PINGS)
            return
        view = AnswerView(answer, interaction.user.id, self.bot.settings.view_timeout)
        view.message = await interaction.followup.send(
            embed=answer_embed(answer), view=view, allowed_mentions=NO_PINGS, wait=True
        )


async def setup(bot: CoverageBot) -> None:
    await bot.add_cog(Ask(bot))
