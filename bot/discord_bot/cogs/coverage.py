"""What the coverage holds: ``/articles``, ``/summary`` and ``/about``."""

from __future__ import annotations

import asyncio
from functools import partial

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_bot.client import CoverageBot
from bot.discord_bot.formatting import (
    MAX_CHOICES,
    MESSAGE_CONTENT_LIMIT,
    about_embed,
    choice_name,
    fit,
    headline_pages,
    summary_embed,
)
from bot.discord_bot.views import NO_PINGS, send_pages
from bot.summary import (
    ArticleNotFound,
    SummaryError,
    check_topic,
    find_article,
    summarize_article,
    summarize_story,
    summarize_topic,
)


class Coverage(commands.Cog):
    def __init__(self, bot: CoverageBot) -> None:
        self.bot = bot

    @app_commands.command(name="articles", description="The headlines of the loaded coverage")
    async def articles(self, interaction: discord.Interaction) -> None:
        pages = await asyncio.to_thread(headline_pages, self.bot.knowledge.corpus)
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
        topic: str | None = None,
    ) -> None:
        if article is not None and topic is not None:
            await interaction.response.send_message(
                "Choose an article or a topic, not both.", ephemeral=True
            )
            return
        knowledge = self.bot.knowledge
        try:  # a mistake in the request is told privately, before anything is public
            if article is not None:  # headline words are matched against every headline
                chosen = await asyncio.to_thread(find_article, knowledge.corpus, article)
                work = partial(summarize_article, knowledge.corpus, chosen.id)
            elif topic is not None:
                check_topic(topic, knowledge.corpus)
                work = partial(summarize_topic, knowledge.answerer, topic)
            else:
                work = partial(summarize_story, knowledge.corpus)
        except SummaryError as error:
            listed = " /articles lists them." if isinstance(error, ArticleNotFound) else ""
            await interaction.response.send_message(
                fit(str(error) + listed, MESSAGE_CONTENT_LIMIT),
                ephemeral=True,
                allowed_mentions=NO_PINGS,
            )
            return
        await interaction.response.defer(thinking=True)
        try:
            summary = await asyncio.to_thread(work)
        except SummaryError as error:  # "nothing in the coverage about ...": an answer
            await interaction.followup.send(
                fit(str(error), MESSAGE_CONTENT_LIMIT), allowed_mentions=NO_PINGS
            )
            return
        await interaction.followup.send(embed=summary_embed(summary), allowed_mentions=NO_PINGS)

    @summary.autocomplete("article")
    async def article_choices(
        self, _: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        corpus = self.bot.knowledge.corpus
        if current.strip():
            articles = await asyncio.to_thread(corpus.find_articles, current, MAX_CHOICES)
        else:
            articles = [corpus.articles[n] for n in range(min(MAX_CHOICES, len(corpus.articles)))]
        return [app_commands.Choice(name=choice_name(a), value=a.id) for a in articles]

    @app_commands.command(name="about", description="What coverage is loaded, and since when")
    async def about(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            embed=about_embed(self.bot.knowledge, self.bot.feed_statuses()),
            allowed_mentions=NO_PINGS,
        )


async def setup(bot: CoverageBot) -> None:
    await bot.add_cog(Coverage(bot))
