"""Retrieval quality: the figures README reports, each with a floor a couple of
questions below what was measured, for BM25 alone and for the full pipeline."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from bot.answer import Answerer, Ranking
from bot.corpus import load_corpus
from bot.cross_encoder import load_cross_encoder
from bot.evaluation import Report, SquadReport, calibrate, evaluate, evaluate_squad, load_cases
from bot.rerank import SemanticReranker, load_reranker
from bot.squad import load_squad

DATA = Path(__file__).parent / "data"
BUNDLED = (Path(__file__).parent.parent / "corpus", DATA / "questions.jsonl")
CALDER = (DATA / "calder_falls" / "corpus", DATA / "calder_falls" / "questions.jsonl")
MILLBROOK = (DATA / "millbrook_flood" / "corpus", DATA / "millbrook_flood" / "questions.jsonl")
HARLOW = (DATA / "harlow_springs" / "corpus", DATA / "harlow_springs" / "questions.jsonl")
MERCY = (DATA / "mercy_lakeshore" / "corpus", DATA / "mercy_lakeshore" / "questions.jsonl")
MISSPELT_BUNDLED = (BUNDLED[0], DATA / "misspelt" / "questions.jsonl")
MISSPELT_CALDER = (CALDER[0], DATA / "misspelt" / "calder_falls_questions.jsonl")
SQUAD = DATA / "squad" / "squad-v1.1-dev-part-a.json"


@pytest.fixture(scope="module")
def reranker() -> SemanticReranker:
    return load_reranker()


@pytest.fixture(scope="module")
def all_stages(reranker: SemanticReranker) -> Ranking:
    """The default ranking: BM25, the semantic stage and the answer check."""
    return Ranking(reranker, cross_encoder=load_cross_encoder())


def report(corpus: Path, questions: Path, ranking: Ranking) -> Report:
    return evaluate(ranking.answerer(load_corpus(corpus).corpus), load_cases(questions))


@pytest.mark.parametrize("questions", [BUNDLED[1], CALDER[1], MERCY[1]])
def test_question_sets_are_large_enough_to_mean_something(questions: Path) -> None:
    cases = load_cases(questions)
    assert sum(bool(c.passages) for c in cases) >= 30
    assert sum(not c.passages for c in cases) >= 10


def test_bundled_coverage_with_bm25_alone(answerer: Answerer) -> None:
    # Measured: Hit@1 0.833, MRR 0.904, 14 of 14 off-topic declined, 2 of 36 answerable.
    result = evaluate(answerer, load_cases(BUNDLED[1]))
    assert result.hit_at_1 >= 0.77, result.misses
    assert result.mrr >= 0.85, result.misses
    assert result.declined_off_topic == result.off_topic, result.misses
    assert result.declined_answerable <= 3, result.misses


def test_bundled_coverage_with_the_semantic_stage(reranker: SemanticReranker) -> None:
    # Measured: Hit@1 0.917, MRR 0.944, 14 of 14 off-topic declined, 2 of 36 answerable.
    result = report(*BUNDLED, Ranking(reranker))
    assert result.hit_at_1 >= 0.86, result.misses
    assert result.mrr >= 0.90, result.misses
    assert result.declined_off_topic >= 13, result.misses
    assert result.declined_answerable <= 3, result.misses


def test_bundled_coverage_with_all_stages(all_stages: Ranking) -> None:
    # Measured: Hit@1 0.972, MRR 0.972, 14 of 14 off-topic declined, 1 of 36 answerable.
    result = report(*BUNDLED, all_stages)
    assert result.hit_at_1 >= 0.91, result.misses
    assert result.mrr >= 0.92, result.misses
    assert result.declined_off_topic >= 13, result.misses
    assert result.declined_answerable <= 2, result.misses


@pytest.mark.parametrize(
    ("coverage", "stage", "hit_at_1", "mrr", "off_topic_declined"),
    [
        # Calder Falls, measured: BM25 0.308 / 0.411, 8 of 16 off-topic declined; with the
        # semantic stage 0.385 / 0.508, 5; all stages 0.462 / 0.580, 6.
        (CALDER, "bm25", 0.26, 0.37, 6),
        (CALDER, "semantic", 0.34, 0.46, 3),
        (CALDER, "all", 0.42, 0.54, 4),
        # Millbrook, measured: BM25 0.750 / 0.803; with the semantic stage 0.792 / 0.847;
        # all stages 0.875 / 0.896; each declines all 3 off-topic questions.
        (MILLBROOK, "bm25", 0.66, 0.72, 2),
        (MILLBROOK, "semantic", 0.70, 0.76, 2),
        (MILLBROOK, "all", 0.79, 0.81, 2),
        # Harlow Springs, measured: BM25 0.273 / 0.492, 3 of 6 off-topic declined; with the
        # semantic stage 0.318 / 0.552, 2; all stages 0.455 / 0.662, 3.
        (HARLOW, "bm25", 0.18, 0.40, 2),
        (HARLOW, "semantic", 0.22, 0.46, 1),
        (HARLOW, "all", 0.36, 0.56, 2),
        # Mercy Lakeshore, measured: BM25 0.476 / 0.602, 10 of 12 off-topic declined; with
        # the semantic stage 0.524 / 0.624, 10; all stages 0.619 / 0.727, 11.
        (MERCY, "bm25", 0.42, 0.55, 9),
        (MERCY, "semantic", 0.47, 0.57, 9),
        (MERCY, "all", 0.57, 0.67, 10),
        # The bundled set misspelt, measured: BM25 0.750 / 0.885, all stages 0.833 / 0.958,
        # all 14 off-topic declined (before misspellings were corrected: 0.389 / 0.804 and
        # 0.389 / 0.917).
        (MISSPELT_BUNDLED, "bm25", 0.69, 0.83, 13),
        (MISSPELT_BUNDLED, "all", 0.77, 0.90, 13),
        # Calder Falls misspelt, measured: BM25 0.288 / 0.382, 8 of 16 off-topic declined;
        # all stages 0.346 / 0.518, 6 (before: 0.231 / 0.385, 11; 0.192 / 0.469, 10).
        (MISSPELT_CALDER, "bm25", 0.25, 0.34, 6),
        (MISSPELT_CALDER, "all", 0.30, 0.47, 4),
    ],
    ids=lambda value: (
        f"{value[1].parent.name}/{value[1].stem}" if isinstance(value, tuple) else None
    ),
)
def test_coverage_nobody_here_tuned_to(
    all_stages: Ranking,
    coverage: tuple[Path, Path],
    stage: str,
    hit_at_1: float,
    mrr: float,
    off_topic_declined: int,
) -> None:
    ranking = {"bm25": Ranking(), "semantic": replace(all_stages, cross_encoder=None)}
    result = report(*coverage, ranking.get(stage, all_stages))
    assert result.hit_at_1 >= hit_at_1, result.misses
    assert result.mrr >= mrr, result.misses
    assert result.declined_off_topic >= off_topic_declined, result.misses


@pytest.fixture(scope="module")
def squad_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Eight SQuAD articles, the first 12 paragraphs of each and at most three questions
    a paragraph: the full set takes minutes; README has its figures."""
    data = json.loads(SQUAD.read_text(encoding="utf-8"))
    for article in data["data"]:
        article["paragraphs"] = article["paragraphs"][:12]
        for paragraph in article["paragraphs"]:
            paragraph["qas"] = paragraph["qas"][:3]
    data["data"] = data["data"][:8]
    path = tmp_path_factory.mktemp("squad") / "sample.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize("stage", ["bm25", "semantic", "all"])
def test_squad_sample_with_left_out_articles(
    squad_sample: Path, all_stages: Ranking, stage: str
) -> None:
    squad = load_squad(squad_sample, left_out_every=4)
    ranking = {"bm25": Ranking(), "semantic": replace(all_stages, cross_encoder=None)}
    answerer = ranking.get(stage, all_stages).answerer(squad.corpus)
    result: SquadReport = evaluate_squad(answerer, squad)
    floors = SAMPLE_FLOORS[stage]
    assert result.hit_at_1 >= floors["hit_at_1"], result
    assert result.answerable_declined <= floors["answerable_declined"], result
    assert result.left_out_declined >= floors["left_out_declined"], result
    assert result.sentence_holds_answer >= floors["sentence_holds_answer"], result


SAMPLE_FLOORS = {  # two questions' worth below what was measured on the sample
    # measured: hit@1 0.768, answerable declined 0.039, left-out declined 0.931, sentence 0.918
    "bm25": {
        "hit_at_1": 0.74,
        "answerable_declined": 0.06,
        "left_out_declined": 0.90,
        "sentence_holds_answer": 0.90,
    },
    # measured: hit@1 0.826, answerable declined 0.019, left-out declined 1.000, sentence 0.924
    "semantic": {
        "hit_at_1": 0.81,
        "answerable_declined": 0.04,
        "left_out_declined": 0.97,
        "sentence_holds_answer": 0.91,
    },
    # measured: hit@1 0.889, answerable declined 0.010, left-out declined 1.000, sentence 0.946
    "all": {
        "hit_at_1": 0.87,
        "answerable_declined": 0.02,
        "left_out_declined": 0.97,
        "sentence_holds_answer": 0.93,
    },
}


@pytest.mark.parametrize(
    ("off_topic", "expected"),
    [
        # Every off-topic question is declined below 0.6 already: going on to 0.95, the
        # highest that spares 95% of the answerable ones, would decline the one at 0.8.
        ([0.3, 0.5, 0.55], 0.8),
        # One off-topic question at 0.9 is worth declining the answerable one at 0.8.
        ([0.3, 0.9], 0.95),
        # None has any evidence: declined anyway, so nothing places the threshold but the
        # answerable questions, and it stays below all of them (not 0, which declines
        # nothing for certain).
        ([0.0, 0.0], 0.8),
    ],
)
def test_calibration_declines_as_many_off_topic_questions_for_as_few_answerable_ones(
    monkeypatch: pytest.MonkeyPatch, off_topic: list[float], expected: float
) -> None:
    answerable = [0.8] + [0.95 + n / 100 for n in range(19)]  # 20: 5% may be declined

    class Evidence:
        def __init__(self, evidence: float, question: str) -> None:
            self.evidence, self.results = evidence, (question,)

    class Answering:
        def answer(self, question: str, results: int) -> Evidence:
            return Evidence(float(question.split()[1]), question)

    monkeypatch.setattr(Ranking, "answerer", lambda *args, **kwargs: Answering())
    questions = [(f"answerable {e}", lambda hit: True) for e in answerable]
    questions += [(f"off-topic {e}", None) for e in off_topic]
    calibration = calibrate(Answerer(load_corpus(BUNDLED[0]).corpus), questions)
    assert calibration.threshold == expected
