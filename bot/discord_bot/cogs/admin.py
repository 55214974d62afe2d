"""Administration: ``/reload`` re-reads the corpus every server shares, for the people who
run the bot (see :mod:`bot.discord_bot.checks`). It is listed for members with Manage
Server (a server can change that in its Integrations settings)."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_bot.checks import operators_only
from bot.discord_bot.client import CoverageBot, ReloadRunning
from bot.discord_bot.formatting import MESSAGE_CONTENT_LIMIT, fit
from bot.knowledge import KNOWLEDGE_ERRORS

log = logging.getLogger(__name__)

BUSY = "A reload is already running; try again when it has finished."


class Admin(commands.Cog):
    def __init__(self, bot: CoverageBot) -> None:
        self.bot = bot

    @app_commands.command(name="reload", description="Re-read the coverage from disk")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @operators_only()
    async def reload(self, interaction: discord.Interaction) -> None:
        # Whether a reload is running is asked only after the defer: a check before it
        # would be stale by the time the rebuild starts (the bot decides, atomically).
        await interaction.response.defer(ephemeral=True, thinking=True)
        old = self.bot.knowledge
        try:
            new = await self.bot.reload()
        except ReloadRunning:
            await interaction.followup.send(BUSY, ephemeral=True)
            return
        except KNOWLEDGE_ERRORS as error:
            log.warning("reload failed: %s", error)
            said = (
                "Reload failed, so I'm still answering from the coverage indexed "
                f"{discord.utils.format_dt(old.built_at, 'R')}: "
            )
            await interaction.followup.send(
                said + fit(str(error), MESSAGE_CONTENT_LIMIT - len(said)), ephemeral=True
            )
            return
        skipped = f" ({new.skipped} files or lines skipped)" if new.skipped else ""
        await interaction.followup.send(
            f"Reloaded: {len(new.corpus.articles)} articles, "
            f"{len(new.corpus.passages)} passages{skipped}.",
            ephemeral=True,
        )


async def setup(bot: CoverageBot) -> None:
    await bot.add_cog(Admin(bot))
