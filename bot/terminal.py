"""How answers look in a terminal (rich) and in JSON: the CLI's formatting, nothing else."""

from __future__ import annotations

import math
from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.text import Text

from bot.answer import Answer, Hit
from bot.corpus import Article
from bot.summary import Summary

NO_ANSWER = "The coverage doesn't answer that. `coverage-bot articles` lists what it covers."
_PREVIEW_CHARS = 90


def hit_json(hit: Hit) -> dict[str, Any]:
    """A ranked passage as JSON: the passage shown alone and where it comes from. A score
    that is not a finite number is null: ``Infinity`` or ``NaN`` would not be JSON."""
    article = hit.ref.article
    return {
        "passage": hit.ref.passage.standalone,
        "headline": article.headline,
        "date": article.date.isoformat() if article.date else None,
        "source": article.source,
        "url": article.url,
        "article_id": article.id,
        "passage_id": hit.ref.id,
        "score": round(hit.score, 6) if math.isfinite(hit.score) else None,
    }


def answer_json(answer: Answer) -> dict[str, Any]:
    """The answer as one JSON object: ``answer`` is null when the coverage has none."""
    best = None
    if answer.best is not None:
        best = {**hit_json(answer.best), "sentence": answer.sentence}
    return {
        "question": answer.question,
        "answer": best,
        "results": [hit_json(hit) for hit in answer.results],
    }


def article_json(article: Article) -> dict[str, Any]:
    return {
        "id": article.id,
        "headline": article.headline,
        "date": article.date.isoformat() if article.date else None,
        "updated": article.updated,
        "source": article.source,
        "url": article.url,
        "passages": len(article.passages),
    }


def render_answer(answer: Answer) -> RenderableType:
    """The answer as a panel: headline on top, passage with its best sentence in bold."""
    if answer.best is None:
        return Text(NO_ANSWER, style="yellow")
    ref = answer.best.ref
    passage = Text()
    if ref.passage.lead_in:
        passage.append(ref.passage.lead_in + "\n", style="dim")
    body = Text(ref.passage.body)
    if answer.sentence:
        start = ref.passage.body.find(answer.sentence)
        if start >= 0:
            body.stylize("bold", start, start + len(answer.sentence))
    passage.append_text(body)
    panel = Panel(
        passage,
        title=Text(ref.article.headline, style="bold cyan"),
        title_align="left",
        subtitle=Text(f"{ref.article.date_text} · {ref.article.source}"),
        subtitle_align="right",
    )
    others = answer.results[1:]
    if not others:
        return panel
    lines = Text("Also in the coverage:\n", style="dim")
    for rank, hit in enumerate(others, 2):
        preview = hit.ref.passage.body
        if len(preview) > _PREVIEW_CHARS:
            preview = preview[:_PREVIEW_CHARS].rsplit(" ", 1)[0] + "…"
        lines.append(f"{rank}. {hit.ref.article.headline}: ", style="cyan")
        lines.append(preview + "\n")
    return Group(panel, lines)


def summary_json(summary: Summary) -> dict[str, Any]:
    """The summary as JSON: each sentence with the article it is quoted from."""
    return {
        "title": summary.title,
        "sentences": [
            {
                "text": s.text,
                "article_id": s.article.id,
                "headline": s.article.headline,
                "date": s.article.date.isoformat() if s.article.date else None,
            }
            for s in summary.sentences
        ],
    }


def render_summary(summary: Summary) -> RenderableType:
    """The title, then each sentence with its source headline beneath it."""
    text = Text(summary.title + "\n", style="bold")
    for sentence in summary.sentences:
        text.append("• " + sentence.text + "\n")
        text.append(
            f"  — {sentence.article.headline}, {sentence.article.date_text}\n", style="dim cyan"
        )
    return text
