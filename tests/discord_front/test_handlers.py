"""Cog handlers called directly, without a gateway: what they return for given input."""

from __future__ import annotations

from types import SimpleNamespace

from bot.answer import Answerer
from bot.corpus import Article, Corpus, Passage
from bot.discord_bot.client import invite_url
from bot.discord_bot.cogs.coverage import Coverage
from bot.knowledge import Knowledge


def coverage_cog(corpus: Corpus) -> Coverage:
    knowledge = Knowledge(path=None, corpus=corpus, answerer=Answerer(corpus))  # type: ignore[arg-type]
    return Coverage(SimpleNamespace(knowledge=knowledge))  # type: ignore[arg-type]


async def test_autocomplete_offers_at_most_25_headlines() -> None:
    articles = tuple(Article(f"a{n}", f"Story number {n}", (Passage("text"),)) for n in range(30))
    choices = await coverage_cog(Corpus(articles)).article_choices(None, "")  # type: ignore[arg-type]
    assert len(choices) == 25
    assert (choices[0].name, choices[0].value) == ("Story number 0", "a0")


async def test_autocomplete_matches_any_words_of_the_headline(knowledge: Knowledge) -> None:
    choices = await coverage_cog(knowledge.corpus).article_choices(None, "standing trump")  # type: ignore[arg-type]
    assert [c.value for c in choices] == ["trump-responds-to-missile-strikes-iran-db349c"]
    assert await coverage_cog(knowledge.corpus).article_choices(None, "zebra") == []  # type: ignore[arg-type]


def test_invite_url_asks_for_the_least_permissions() -> None:
    assert invite_url(123) == (
        "https://discord.com/oauth2/authorize?client_id=123&scope=bot+applications.commands"
        "&permissions=84992"
    )
