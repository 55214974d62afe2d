"""Answers, articles and headlines as Discord embeds, within Discord's limits and escaped.

Text from the corpus or from a question is escaped (markdown and mentions) before it
is shown, so it can neither format nor ping; every cut happens on a sentence or word
boundary and ends with an ellipsis.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

import discord

from bot.answer import BIDI_CONTROLS, Answer, default_threshold
from bot.corpus import Article, CorpusView, Passage, PassageKind, headline_then, written_date
from bot.corpus.structure import is_web_url
from bot.feeds import AddedArticle, FeedStatus
from bot.knowledge import Knowledge
from bot.report import QuestionReport, unlisted_gaps
from bot.summary import Summary

# Discord's limits (discord.com/developers/docs/resources/message#embed-object-embed-limits,
# .../resources/message#create-message, .../interactions/application-commands). The total
# counts title, description, fields, footer and author of every embed in a message.
MESSAGE_CONTENT_LIMIT = 2000
EMBED_TITLE_LIMIT = 256
EMBED_DESCRIPTION_LIMIT = 4096
EMBED_FOOTER_LIMIT = 2048
EMBED_AUTHOR_LIMIT = 256
EMBED_TOTAL_LIMIT = 6000
CHOICE_NAME_LIMIT = 100
MAX_CHOICES = 25

ELLIPSIS = "…"
NO_ANSWER = (
    "The coverage doesn't answer that. Try `/summary` for the whole story "
    "or `/articles` for the headlines."
)
_READ_AS_LIMIT = 300
"""Characters of a corrected question a decline repeats: the note stays a line or two."""
# Room a page of an article or of headlines leaves under the description limit.
_PAGE_BUDGET = 3800
_LEAD_IN_LIMIT = 600
# A source is a file or feed name; the footer shows no more of it than this, which with
# the title and description limits keeps every embed under the 6,000 total.
_SOURCE_LIMIT = 200
_LABEL_LIMIT = 100
_ATTRIBUTION_LIMIT = 300
_HEADLINES_PER_PAGE = 10
_ANNOUNCEMENT_LIMIT = 600
EMBED_FIELD_VALUE_LIMIT = 1024
MAX_LISTED_ARTICLES = 250
_SENTENCE_END = re.compile(r"[.!?…][\"”')\]]*\s")
COLOUR = discord.Colour.dark_teal()


_UNSHOWN = str.maketrans(dict.fromkeys(BIDI_CONTROLS))


_MARKDOWN = re.compile(
    r"(?P<url><[^: >]+:/[^ >]+>|(?:https?|steam)://[^\s<]+[^<.,:;\"'\]\s])"
    r"|[\\*_~|`\[\]]|^>(?:>>)?\s|^#{1,3}|^\s*-",
    re.MULTILINE,
)
"""What Discord reads as markdown, as ``discord.utils.escape_markdown`` knows it, with
every ``[`` and ``]`` in it: that function takes a whole line from its first ``[`` to its
last ``)`` for one masked link and escapes only the first bracket, so a second
``[text](https://...)`` on the line stayed a live link. Links are left as written, since a
backslash in one would become part of it."""


def escape(text: str) -> str:
    """Text that Discord shows as written: no markdown, no mentions, and no bidi controls
    (an override in a feed's article would show the rest of its line reversed)."""
    unmarked = _MARKDOWN.sub(
        lambda found: found["url"] or "\\" + found[0], text.translate(_UNSHOWN)
    )
    return discord.utils.escape_mentions(unmarked)


def shorten(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters, cut after a sentence or else a word, with "…",
    and without bidi controls: footers, author lines, choices and thread names show
    text as written too (see :func:`escape`)."""
    text = text.translate(_UNSHOWN)
    if len(text) <= limit:
        return text
    head = text[: limit - len(ELLIPSIS)]
    sentence_ends = [m.end() for m in _SENTENCE_END.finditer(head + " ")]
    if sentence_ends and sentence_ends[-1] > limit // 2:
        return head[: sentence_ends[-1]].rstrip() + " " + ELLIPSIS
    word_end = head.rfind(" ")
    cut = head[:word_end] if word_end > limit // 2 else head
    return cut.rstrip() + ELLIPSIS


def fit(text: str, limit: int) -> str:
    """``text`` escaped and shortened so that the escaped form fits ``limit``."""
    budget = limit
    while True:
        escaped = escape(shorten(text, budget))
        if len(escaped) <= limit or budget <= 1:
            return escaped[:limit]
        budget -= len(escaped) - limit


def link(url: str | None) -> str | None:
    """``url`` when Discord would take it as an embed link, else None: the corpus loader
    already left out any other, and an article from elsewhere must not cost the reply."""
    return url if url is not None and is_web_url(url) else None


def passage_markdown(passage: Passage, sentence: str | None, limit: int) -> str:
    """The passage for a description: its lead-in in italics, the best sentence in bold.

    A passage too long to show whole is shown around its best sentence, since that is
    the answer, with as much of the text before and after as fits; when the sentence
    itself would take over half the room, the passage is cut from its start.
    """
    lead = f"*{fit(passage.lead_in, _LEAD_IN_LIMIT)}*\n" if passage.lead_in else ""
    room = limit - len(lead)
    body = passage.body
    start = body.find(sentence) if sentence else -1
    bold = f"**{escape(sentence)}**" if sentence else ""
    if not sentence or start < 0 or len(bold) > room // 2:
        return lead + fit(body, room)
    before, after = body[:start], body[start + len(sentence) :]
    whole = escape(before) + bold + escape(after)
    if len(whole) <= room:
        return lead + whole
    left = room - len(bold)
    head = _fit_tail(before, left // 2)
    rest = left - len(head)
    return lead + head + bold + (fit(after, rest) if after and rest > len(ELLIPSIS) else "")


def _fit_tail(text: str, limit: int) -> str:
    """The end of ``text``, escaped, within ``limit``: from the start of a sentence or
    else of a word, after "…"; all of it when it fits."""
    if len(escape(text)) <= limit:
        return escape(text)
    budget = limit - len(ELLIPSIS)
    while budget > 0:
        tail = text[len(text) - budget :]
        starts = [m.end() for m in _SENTENCE_END.finditer(tail)]
        space = tail.find(" ")
        if starts and starts[0] < budget // 2:
            tail = tail[starts[0] :]
        elif 0 <= space < budget // 2:
            tail = tail[space + 1 :]
        shown = ELLIPSIS + " " + escape(tail)
        if len(shown) <= limit:
            return shown
        budget -= len(shown) - limit
    return ""


def answer_embed(answer: Answer, position: int = 0) -> discord.Embed:
    """Result ``position`` of an answer: the headline as title, the passage, date and source.

    The best result shows its best-matching sentence in bold.
    """
    hit = answer.results[position]
    sentence = answer.sentence if hit == answer.best else None
    embed = _article_embed(
        hit.ref.article, passage_markdown(hit.ref.passage, sentence, EMBED_DESCRIPTION_LIMIT)
    )
    asked = answer.question if answer.read_as is None else f"Read as: {answer.read_as}"
    embed.set_author(name=shorten(asked, EMBED_AUTHOR_LIMIT))
    if len(answer.results) > 1:
        footer = f"Result {position + 1} of {len(answer.results)} · {_byline(hit.ref.article)}"
        embed.set_footer(text=shorten(footer, EMBED_FOOTER_LIMIT))
    return embed


def declined(answer: Answer) -> str:
    """The decline, with how the question was read when misspellings were corrected: a
    reader whose word was read as another can see why, and ask again."""
    if answer.read_as is None:
        return NO_ANSWER
    return f"{NO_ANSWER}\n-# Read as: {fit(answer.read_as, _READ_AS_LIMIT)}"


def article_pages(article: Article) -> list[discord.Embed]:
    """The whole article as embeds of at most a page's worth of passages each."""
    blocks = [_passage_block(p) for p in article.passages] or ["*(no text)*"]
    pages = _pack(blocks)
    embeds = [_article_embed(article, page) for page in pages]
    if len(embeds) > 1:
        for number, embed in enumerate(embeds, 1):
            footer = f"Page {number} of {len(embeds)} · {_byline(article)}"
            embed.set_footer(text=shorten(footer, EMBED_FOOTER_LIMIT))
    return embeds


def headline_pages(corpus: CorpusView) -> list[discord.Embed]:
    """The headlines, ten a page, with date and passage count; the first
    ``MAX_LISTED_ARTICLES`` of a large archive."""
    total = len(corpus.articles)
    shown = [corpus.articles[n] for n in range(min(total, MAX_LISTED_ARTICLES))]
    lines = [
        f"**{fit(a.headline, EMBED_TITLE_LIMIT)}**\n"
        f"{a.date_text} · {len(a.passages)} passages · `{a.id}`"
        for a in shown
    ]
    title = (
        f"Articles ({total:,})" if total == len(shown) else f"Articles ({len(shown)} of {total:,})"
    )
    pages = [lines[i : i + _HEADLINES_PER_PAGE] for i in range(0, len(lines), _HEADLINES_PER_PAGE)]
    embeds = []
    for number, page in enumerate(pages or [["*(no articles loaded)*"]], 1):
        embed = discord.Embed(
            title=title,
            description="\n\n".join(page),
            colour=COLOUR,
        )
        if len(pages) > 1:
            embed.set_footer(text=f"Page {number} of {len(pages)}")
        embeds.append(embed)
    return embeds


def about_embed(knowledge: Knowledge, feeds: Sequence[FeedStatus] = ()) -> discord.Embed:
    """What coverage is loaded: counts, date range, when the index was built, and the
    feeds followed with their last poll."""
    corpus = knowledge.corpus
    embed = discord.Embed(title="About this coverage", colour=COLOUR)
    embed.add_field(name="Articles", value=str(len(corpus.articles)))
    embed.add_field(name="Passages", value=str(len(corpus.passages)))
    span = corpus.date_range
    dates = "undated" if span is None else " – ".join(dict.fromkeys(map(written_date, span)))
    embed.add_field(name="Dates", value=dates)
    built = discord.utils.format_dt(knowledge.built_at, "R")
    embed.add_field(name="Index built", value=built)
    embed.add_field(name="Ranking", value=knowledge.answerer.stages)
    embed.add_field(name="Declines below", value=_threshold_text(knowledge))
    if knowledge.skipped:
        embed.add_field(name="Files skipped", value=str(knowledge.skipped))
    if feeds:
        value = feed_lines(feeds, EMBED_FIELD_VALUE_LIMIT)
        embed.add_field(name="Feeds", value=value, inline=False)
    return embed


def _threshold_text(knowledge: Knowledge) -> str:
    """The evidence an answer needs, and where that figure comes from."""
    answerer = knowledge.answerer
    if knowledge.calibration is not None:
        calibration = knowledge.calibration
        return (
            f"{calibration.threshold:.3f} (calibrated on {calibration.answerable} answerable "
            f"and {calibration.off_topic} off-topic questions)"
        )
    if answerer.threshold == default_threshold(answerer.reranker, answerer.cross_encoder):
        return f"{answerer.threshold:.3f} (the default)"
    return f"{answerer.threshold:.3f} (set by the operator)"


def announcement_embed(article: AddedArticle) -> discord.Embed:
    """A new (or updated) article from a feed: its headline linking to it, one sentence."""
    embed = discord.Embed(
        title=fit(article.headline, EMBED_TITLE_LIMIT),
        url=link(article.url),
        description=fit(article.summary, _ANNOUNCEMENT_LIMIT),
        colour=COLOUR,
    )
    when = f" · {written_date(article.date)}" if article.date else ""
    kind = "Updated article" if article.updated else "New article"
    embed.set_footer(text=fit(f"{kind}{when} · ask me about it", EMBED_FOOTER_LIMIT))
    return embed


def feed_lines(feeds: Sequence[FeedStatus], limit: int) -> str:
    """Each followed feed and its last poll, as many as fit ``limit``, then how many more."""
    lines: list[str] = []
    for number, feed in enumerate(feeds):
        when = discord.utils.format_dt(feed.polled, "R") if feed.polled else "not polled yet"
        result = f", {fit(feed.result, 160)}" if feed.result else ""
        line = f"{fit(feed.url, 120)}: {when}{result}"
        left = len(feeds) - number
        tail = [f"… and {left - 1} more"] if left > 1 else []
        if len("\n".join([*lines, line, *tail])) > limit:
            return "\n".join([*lines, f"… and {left} more"])
        lines.append(line)
    return "\n".join(lines)


def summary_embed(summary: Summary) -> discord.Embed:
    """Each sentence with its source headline; sentences that would pass the description
    limit are left off rather than cut."""
    lines: list[str] = []
    one = summary.of_article  # its headline is the title: not repeated under each sentence
    for sentence in summary.sentences:
        line = f"• {fit(sentence.text, 1200)}"
        if one is None:
            line += f"\n  — *{fit(sentence.article.headline, 200)}*"
        if len("\n".join([*lines, line])) > EMBED_DESCRIPTION_LIMIT:
            break
        lines.append(line)
    embed = discord.Embed(
        title=fit(summary.title, EMBED_TITLE_LIMIT), description="\n".join(lines), colour=COLOUR
    )
    embed.set_footer(text="Every sentence is quoted from the coverage.")
    return embed


def choice_name(article: Article) -> str:
    """An article's headline as an autocomplete choice name (its id when the headline
    shows nothing: Discord refuses an empty name)."""
    return shorten(article.headline, CHOICE_NAME_LIMIT).strip() or shorten(
        article.id, CHOICE_NAME_LIMIT
    )


REPORT_CHART = "questions-per-day.png"
EMBED_FIELD_VALUE_LIMIT = 1024
_REPORT_LINE_LIMIT = 300
_COUNT_LINE_ROOM = 100
"""Room kept in the gaps' field for the line that counts the gaps not shown."""


def report_embed(report: QuestionReport, chart: bool) -> discord.Embed:
    """A server's report: counts, then its gaps, not-helpful answers and top articles,
    each a field of lines that fits Discord's limit; the chart as the embed's image."""
    since = f" since {written_date(report.since)}" if report.since else ""
    embed = discord.Embed(
        title=f"What readers asked{since}",
        description=(
            f"{report.asked} question{'' if report.asked == 1 else 's'}: "
            f"{report.answered} answered "
            f"({report.answered_share:.0%}), {report.asked - report.answered} declined."
        ),
        colour=COLOUR,
    )
    lists = {
        "Gaps in the coverage (declined, by their words)": _gaps_within(report),
        "Answers voted not helpful": _lines_within(
            [
                f"{a.not_helpful} not helpful, {a.helpful} helpful: "
                f"{headline_then(a.headline)}{a.passage}"
                for a in report.not_helpful
            ]
        ),
        "Articles most answered from": _lines_within(
            [f"{a.answers} × {a.headline}" for a in report.articles]
        ),
    }
    for name, lines in lists.items():
        if lines:
            embed.add_field(name=name, value="\n".join(lines), inline=False)
    if chart:
        embed.set_image(url=f"attachment://{REPORT_CHART}")
    return embed


def _lines_within(lines: list[str], room: int = EMBED_FIELD_VALUE_LIMIT) -> list[str]:
    """As many whole lines (each escaped and shortened) as fit in ``room`` characters."""
    kept: list[str] = []
    for line in (fit(line, _REPORT_LINE_LIMIT) for line in lines):
        if len("\n".join([*kept, line])) > room:
            break
        kept.append(line)
    return kept


def _gaps_within(report: QuestionReport) -> list[str]:
    """The gaps that fit in a field, and a last line counting those that do not (the
    report's own unlisted ones and any the field had no room for)."""
    lines = [f"{g.count} × {' '.join(g.terms)}: {g.example}" for g in report.gaps]
    kept = _lines_within(
        lines, EMBED_FIELD_VALUE_LIMIT - _COUNT_LINE_ROOM - 1
    )  # and its line break
    dropped = report.gaps[len(kept) :]
    counted = replace(
        report,
        unlisted_gaps=report.unlisted_gaps + len(dropped),
        unlisted_gap_questions=report.unlisted_gap_questions + sum(g.count for g in dropped),
    )
    return kept + ([fit(unlisted_gaps(counted), _COUNT_LINE_ROOM)] if counted.unlisted_gaps else [])


def _article_embed(article: Article, description: str) -> discord.Embed:
    embed = discord.Embed(
        title=fit(article.headline, EMBED_TITLE_LIMIT),
        url=link(article.url),
        description=description,
        colour=COLOUR,
    )
    embed.set_footer(text=shorten(_byline(article), EMBED_FOOTER_LIMIT))
    return embed


def _byline(article: Article) -> str:
    if not article.source:
        return article.date_text
    return f"{article.date_text} · {shorten(article.source, _SOURCE_LIMIT)}"


def _passage_block(passage: Passage) -> str:
    """A passage as a page shows it, never longer than a page: its label, speaker and
    text are each cut to their share."""
    bullet = "• " if passage.kind is PassageKind.BULLET else ""
    label = f"**{fit(passage.label, _LABEL_LIMIT)}:** " if passage.label else ""
    speaker = f" — {fit(passage.attribution, _ATTRIBUTION_LIMIT)}" if passage.attribution else ""
    text = fit(passage.text, _PAGE_BUDGET - len(bullet) - len(label) - len(speaker))
    return f"{bullet}{label}{text}{speaker}"


def _pack(blocks: list[str]) -> list[str]:
    """Blocks joined into pages that each fit the page budget."""
    pages: list[str] = []
    current = ""
    for block in blocks:
        if current and len(current) + 2 + len(block) > _PAGE_BUDGET:
            pages.append(current)
            current = block
        else:
            current = f"{current}\n\n{block}" if current else block
    pages.append(current)
    return pages
