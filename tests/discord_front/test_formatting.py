"""Embeds and text for Discord, without Discord: limits, cuts, escaping."""

from __future__ import annotations

import discord
import pytest

from bot.answer import Answerer
from bot.corpus import Article, Corpus, Passage
from bot.discord_bot.cogs.errors import describe
from bot.discord_bot.formatting import (
    CHOICE_NAME_LIMIT,
    EMBED_DESCRIPTION_LIMIT,
    EMBED_TITLE_LIMIT,
    EMBED_TOTAL_LIMIT,
    answer_embed,
    article_pages,
    choice_name,
    escape,
    headline_pages,
    report_embed,
    shorten,
)
from bot.knowledge import Knowledge
from bot.report import Gap, QuestionReport


def test_shorten_cuts_after_a_sentence_when_it_can() -> None:
    text = "First sentence is here. Second sentence is a good deal longer than the first."
    assert shorten(text, 40) == "First sentence is here. …"


def test_shorten_cuts_on_a_word_otherwise() -> None:
    assert shorten("alpha beta gamma delta epsilon", 20) == "alpha beta gamma…"
    assert shorten("short", 20) == "short"


def test_escape_stops_markdown_and_mentions() -> None:
    escaped = escape("**bold** @everyone <@123456789012345678> _x_")
    assert escaped == "\\*\\*bold\\*\\* @\u200beveryone <@\u200b123456789012345678> \\_x\\_"


def test_every_masked_link_on_a_line_is_escaped_not_only_the_first() -> None:
    # discord.utils.escape_markdown takes "[a](...) ... [b](...)" for one link and escaped
    # only its first "[": the second link, and the bold between them, stayed live.
    text = "see [photos](https://a.example) and **log in** at [the port](https://evil.example/p)"
    assert escape(text) == (
        "see \\[photos\\](https://a.example) and \\*\\*log in\\*\\* at "
        "\\[the port\\](https://evil.example/p)"
    )


def test_a_bare_link_is_left_as_written() -> None:
    assert escape("at https://example.com/a_b_c now") == "at https://example.com/a_b_c now"


def test_a_bidi_override_in_corpus_text_does_not_reach_discord() -> None:
    # U+202E would show the rest of the line reversed, so a passage could read otherwise.
    passage = Passage("Iran launched \u202emissiles\u202c at bases. Nobody was hurt.")
    answer = Answerer(Corpus((Article("a", "Headline", (passage,)),))).answer("Missiles?")
    assert answer_embed(answer).description == (
        "**Iran launched missiles at bases.** Nobody was hurt."
    )


def test_a_bidi_override_in_a_source_or_headline_is_dropped_from_footers_and_choices() -> None:
    passage = Passage("Iran launched missiles at bases. Nobody was hurt.")
    article = Article("a", "Head\u202eline", (passage,), source="Wire \u202eSERVICE")
    answer = Answerer(Corpus((article,))).answer("Missiles?")
    assert answer_embed(answer).footer.text == "undated · Wire SERVICE"
    assert choice_name(article) == "Headline"


def test_a_full_gaps_field_still_counts_the_gaps_it_has_no_room_for() -> None:
    long = "How much will the " + "very " * 60 + "long question cost?"
    gaps = tuple(Gap(("cost", f"thing{n}"), 5 - n, long) for n in range(5))
    report = QuestionReport(
        None, 20, 5, gaps, (), (), (), unlisted_gaps=3, unlisted_gap_questions=4
    )
    [field] = report_embed(report, chart=False).fields
    assert len(field.value or "") <= 1024
    shown = (field.value or "").splitlines()
    assert len(shown) == 4  # three gaps fit, then the count of the rest
    assert shown[-1] == "and 5 more gaps (7 questions), each asked as often or less"


def huge_corpus() -> Corpus:
    words = " ".join(f"word{n}" for n in range(3000)) + "."
    passages = (Passage(f"Iran missiles {words}"), Passage(f"Iran missiles again {words}"))
    return Corpus((Article("long", "H" * 400 + " @everyone", passages, source="feed"),))


def test_answer_embed_stays_within_every_limit() -> None:
    corpus = huge_corpus()
    answer = Answerer(corpus).answer("Iran missiles " + "why " * 200)
    embed = answer_embed(answer)
    assert len(embed.title or "") <= EMBED_TITLE_LIMIT
    assert len(embed.description or "") <= EMBED_DESCRIPTION_LIMIT
    assert (embed.description or "").endswith("…")
    assert len(embed) <= EMBED_TOTAL_LIMIT
    assert "@everyone" not in (embed.title or "")


def test_long_article_is_split_into_pages_within_limits() -> None:
    [article] = huge_corpus().articles
    pages = article_pages(article)
    assert len(pages) == 2
    assert all(len(page) <= EMBED_TOTAL_LIMIT for page in pages)
    assert [p.footer.text for p in pages] == [
        "Page 1 of 2 · undated · feed",
        "Page 2 of 2 · undated · feed",
    ]


def test_best_sentence_is_bold_and_corpus_markdown_is_escaped() -> None:
    passage = Passage("First *starred* line. Iran launched missiles at bases.")
    corpus = Corpus((Article("a", "Headline", (passage,)),))
    answer = Answerer(corpus).answer("Did Iran launch missiles?")
    assert answer_embed(answer).description == (
        "First \\*starred\\* line. **Iran launched missiles at bases.**"
    )


def test_headlines_are_paged_ten_at_a_time() -> None:
    articles = tuple(Article(f"a{n}", f"Headline {n}", (Passage("t"),)) for n in range(23))
    pages = headline_pages(Corpus(articles))
    assert len(pages) == 3
    assert pages[2].footer.text == "Page 3 of 3"
    assert pages[0].description.count("**Headline") == 10


def test_choice_names_fit_discords_limit() -> None:
    article = Article("a", "word " * 60, (Passage("t"),))
    assert len(choice_name(article)) <= CHOICE_NAME_LIMIT


def test_missing_manage_server_is_named_in_plain_words() -> None:
    error = discord.app_commands.MissingPermissions(["manage_guild"])
    assert describe(error) == "You need the Manage Server permission to use this command."


def test_unexpected_errors_are_not_described_to_members() -> None:
    assert describe(discord.app_commands.AppCommandError("boom")) is None


@pytest.mark.parametrize("top", [1, 3])
def test_footer_counts_results_only_when_there_are_several(knowledge: Knowledge, top: int) -> None:
    answer = knowledge.answerer.answer("What did Trump tweet?", results=top)
    footer = answer_embed(answer).footer.text or ""
    assert footer.startswith("Result 1 of 3") == (top == 3)


def test_a_large_archive_lists_its_first_250_headlines() -> None:
    articles = tuple(Article(f"a{n}", f"Headline {n}", (Passage("t"),)) for n in range(260))
    pages = headline_pages(Corpus(articles))
    assert len(pages) == 25
    assert pages[0].title == "Articles (250 of 260)"
