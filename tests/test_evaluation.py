"""Retrieval quality on our question set: the figures README reports, with a floor."""

from __future__ import annotations

from pathlib import Path

from bot.answer import Answerer
from bot.evaluation import evaluate, load_cases

QUESTIONS = Path(__file__).parent / "data" / "questions.jsonl"


def test_question_set_is_large_enough_to_mean_something() -> None:
    cases = load_cases(QUESTIONS)
    assert sum(bool(c.passages) for c in cases) >= 30
    assert sum(not c.passages for c in cases) >= 8


def test_hit_at_1_and_mrr_stay_above_their_floor(answerer: Answerer) -> None:
    # Measured 0.833 and 0.881; a drop of more than two questions fails.
    report = evaluate(answerer, load_cases(QUESTIONS))
    assert report.hit_at_1 >= 0.77, report.misses
    assert report.mrr >= 0.82, report.misses


def test_every_off_topic_question_is_declined_and_few_answerable_ones(answerer: Answerer) -> None:
    report = evaluate(answerer, load_cases(QUESTIONS))
    assert report.declined_off_topic == report.off_topic, report.misses
    assert report.declined_answerable <= 2, report.misses
