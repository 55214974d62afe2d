"""Each of Discord's limits, met by the embeds built from outsized coverage."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.answer import Answerer
from bot.corpus import Article, Corpus, Passage, PassageKind
from bot.discord_bot.formatting import (
    EMBED_DESCRIPTION_LIMIT,
    EMBED_TOTAL_LIMIT,
    answer_embed,
    article_pages,
    link,
    passage_markdown,
)

DATE = dt.date(2020, 1, 8)


def words(count: int, start: int = 0) -> str:
    return " ".join(f"word{n}" for n in range(start, start + count))


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "data:text/html,<b>x</b>",
        "ftp://example.com/a",
        "https://",
        "https://example.com/a b",
        "https://example.com/" + "a" * 2048,
        "",
        None,
    ],
)
def test_only_http_links_discord_takes_are_kept(url: str | None) -> None:
    assert link(url) is None


def test_http_and_https_links_are_kept() -> None:
    assert link("https://www.axios.com/a?b=c#d") == "https://www.axios.com/a?b=c#d"
    assert link("HTTP://example.com") == "HTTP://example.com"


def test_an_answer_from_an_article_with_a_javascript_url_has_no_link() -> None:
    article = Article("a", "Headline", (Passage("Iran launched missiles."),), url="javascript:x")
    answer = Answerer(Corpus((article,))).answer("Did Iran launch missiles?")
    assert answer_embed(answer).url is None


def test_a_2000_character_source_keeps_the_answer_under_6000_in_all() -> None:
    long_passage = "Iran launched missiles. " + words(1200) + "."
    article = Article("a", "H " * 200, (Passage(long_passage),), DATE, source="s" * 2000)
    answer = Answerer(Corpus((article,))).answer("Iran missiles " + "why " * 60)
    embed = answer_embed(answer)
    assert 4500 < len(embed) <= EMBED_TOTAL_LIMIT
    assert embed.footer.text.startswith("Jan 8, 2020 · sss") and embed.footer.text.endswith("…")


def test_whole_article_pages_cap_long_attributions_and_labels() -> None:
    quotes = tuple(
        Passage(f'"Quote {n}."', PassageKind.QUOTE, attribution=f"Speaker {n} " + "x" * 5000)
        for n in range(50)
    )
    labelled = Passage("Text.", label="L" * 5000)
    article = Article("a", "Headline", (*quotes, labelled), DATE, source="feed")
    pages = article_pages(article)
    assert all(len(page.description or "") <= EMBED_DESCRIPTION_LIMIT for page in pages)
    assert all(len(page) <= EMBED_TOTAL_LIMIT for page in pages)
    shown = "\n".join(page.description or "" for page in pages)
    assert all(f"Quote {n}." in shown and f"Speaker {n}" in shown for n in range(50))


def test_the_best_sentence_of_a_long_passage_is_shown_in_bold_with_its_context() -> None:
    best = "Iran launched missiles at the bases."
    passage = Passage(f"{words(1000)}. {best} {words(1000, 1000)}.")
    shown = passage_markdown(passage, best, EMBED_DESCRIPTION_LIMIT)
    assert len(shown) <= EMBED_DESCRIPTION_LIMIT
    assert f"**{best}**" in shown
    assert shown.startswith("… word") and shown.endswith("…")
