"""What the coverage holds: ``/articles``, ``/summary`` and ``/about``."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_bot.client import CoverageBot
from bot.discord_bot.formatting import MAX_CHOICES, about_embed, choice_name, headline_pages
from bot.discord_bot.views import NO_PINGS, send_pages

SUMMARIES_NOT_READY = (
    "Summaries are not available yet. Meanwhile `/articles` lists the headlines "
    "and `/ask` answers questions about the coverage."
)


class Coverage(commands.Cog):
    def __init__(self, bot: CoverageBot) -> None:
        self.bot = bot

    @app_commands.command(name="articles", description="The headlines of the loaded coverage")
    async def articles(self, interaction: discord.Interaction) -> None:
        pages = headline_pages(self.bot.knowledge.corpus)
        await send_pages(
            interaction, pages, interaction.user.id, self.bot.settings.view_timeout, ephemeral=False
        )

    @app_commands.command(
        name="summary", description="A summary of the story, an article or a topic"
    )
    @app_commands.describe(
        article="Summarise one article (start typing its headline)",
        topic="Summarise what the coverage says about a topic",
    )
    async def summary(
        self,
        interaction: discord.Interaction,
        article: str | None = None,
        topic: app_commands.Range[str, 1, 200] | None = None,
    ) -> None:
        if article is not None and not self.bot.knowledge.corpus.find_articles(article):
            await interaction.response.send_message(
                f"No article matches {discord.utils.escape_markdown(article)!s}; "
                "`/articles` lists them.",
                ephemeral=True,
                allowed_mentions=NO_PINGS,
            )
            return
        await interaction.response.send_message(SUMMARIES_NOT_READY, ephemeral=True)

    @summary.autocomplete("article")
    async def article_choices(
        self, _: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        corpus = self.bot.knowledge.corpus
        articles = corpus.find_articles(current) if current.strip() else list(corpus.articles)
        return [
            app_commands.Choice(name=choice_name(a), value=a.id) for a in articles[:MAX_CHOICES]
        ]

    @app_commands.command(name="about", description="What coverage is loaded, and since when")
    async def about(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            embed=about_embed(self.bot.knowledge), allowed_mentions=NO_PINGS
        )


async def setup(bot: CoverageBot) -> None:
    await bot.add_cog(Coverage(bot))
