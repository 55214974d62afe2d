"""``/report``: a server's own figures on what its readers asked, for its editors.

Only the server the command is used in is counted. The reply is private (it quotes what
readers asked); the chart is drawn off the event loop and attached as a PNG.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_bot.client import CoverageBot
from bot.discord_bot.formatting import REPORT_CHART, fit, report_embed
from bot.report import build_report, chart_png
from bot.state.database import StateUnavailable

log = logging.getLogger(__name__)

UNAVAILABLE = "The report can't be read just now: the bot's database is unavailable."


def bad_since(text: str) -> str:
    return f"`since` takes a day as YYYY-MM-DD, such as 2026-11-01, not “{fit(text, 40)}”."


class Report(commands.Cog):
    def __init__(self, bot: CoverageBot) -> None:
        self.bot = bot

    @app_commands.command(
        name="report", description="What readers asked here, and what the coverage lacks"
    )
    @app_commands.describe(since="Only questions asked on or after this day (YYYY-MM-DD)")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.checks.has_permissions(manage_guild=True)
    async def report(self, interaction: discord.Interaction, since: str | None = None) -> None:
        try:
            day = dt.date.fromisoformat(since.strip()) if since else None
        except ValueError:
            await interaction.response.send_message(bad_since(since or ""), ephemeral=True)
            return
        database = self.bot.state.database
        if database is None:
            await interaction.response.send_message(UNAVAILABLE, ephemeral=True)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            report = await build_report(database, day, interaction.guild_id)
        except StateUnavailable as error:
            log.warning("/report in guild=%s: %s", interaction.guild_id, error)
            await interaction.followup.send(UNAVAILABLE, ephemeral=True)
            return
        if not report.asked:
            await interaction.followup.send(embed=report_embed(report, False), ephemeral=True)
            return
        png = await asyncio.to_thread(chart_png, report)
        await interaction.followup.send(
            embed=report_embed(report, True),
            file=discord.File(io.BytesIO(png), filename=REPORT_CHART),
            ephemeral=True,
        )


async def setup(bot: CoverageBot) -> None:
    await bot.add_cog(Report(bot))
