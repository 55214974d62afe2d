"""Answer latency end to end, BM25 alone and with the semantic stage, one question at a time.

- the bundled coverage: the questions of tests/data/questions.jsonl, asked once to fill
  the sentence-vector cache and then timed, with BM25 alone and with both stages;
- news paragraphs with nothing cached: each question of the bundled and Calder Falls
  sets asked with the sentence-vector cache empty, so every candidate is embedded;
- an index folder (``--index DIR``, for example one ``coverage-bot index`` built from
  bench_retrieval.py's synthetic corpus): questions made of 2-5 mid-frequency words of its
  own passages, each asked first with nothing cached (every candidate's sentences
  embedded then), then again (cached in memory), then by a fresh model as after a
  restart (the vectors read from the index folder's file).

Run: ``.venv/bin/python benchmarks/bench_answers.py [--index DIR] [--questions N]``.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from bot.answer import BM25_ONLY, Answerer, QuestionError, Ranking
from bot.cross_encoder import CrossEncoder, default_cross_encoder_files, load_cross_encoder
from bot.embedding import Embedder, default_model
from bot.evaluation import load_cases
from bot.index_folder import VECTORS_FILE
from bot.knowledge import build_knowledge, load_knowledge
from bot.rerank import SemanticReranker, load_reranker
from bot.vector_store import VectorFile

ROOT = Path(__file__).resolve().parent.parent


def timings(ask: Callable[[str], object], questions: Sequence[str]) -> list[float]:
    """Milliseconds per question."""
    spent = []
    for question in questions:
        started = time.perf_counter()
        try:
            ask(question)
        except QuestionError:
            continue
        spent.append((time.perf_counter() - started) * 1000)
    return spent


def show(label: str, spent: list[float]) -> None:
    p50, p95 = statistics.median(spent), float(np.percentile(spent, 95))
    print(f"  {label:<44} p50 {p50:7.1f} ms, p95 {p95:7.1f} ms ({len(spent)} questions)")


def bundled() -> None:
    knowledge = build_knowledge(ROOT / "corpus")
    questions = [c.question for c in load_cases(ROOT / "tests/data/questions.jsonl")]
    bm25 = BM25_ONLY.answerer(knowledge.corpus, knowledge.answerer.index)
    full = Answerer(knowledge.corpus, knowledge.answerer.index, load_reranker())
    checked = Ranking(load_reranker(), None, load_cross_encoder()).answerer(
        knowledge.corpus, knowledge.answerer.index
    )
    print("bundled coverage (26 passages)")
    show("BM25 alone", timings(bm25.answer, questions))
    show("BM25 + semantic, first time (nothing cached)", timings(full.answer, questions))
    show("BM25 + semantic, cached", timings(full.answer, questions))
    show("all stages, a question asked the first time", timings(checked.answer, questions))
    show("all stages, the same question asked again", timings(checked.answer, questions))


def news_uncached(name: str, corpus_path: Path, questions_path: Path) -> None:
    """Each question of a set asked with nothing cached, on news paragraphs: what a
    question on an archive too large to have been embedded costs in embedding, with
    real text's sentence lengths (the synthetic index's are the worst case)."""
    knowledge = build_knowledge(corpus_path)
    corpus, index = knowledge.corpus, knowledge.answerer.index
    questions = [c.question for c in load_cases(questions_path)]
    embedder = Embedder(default_model())
    check = CrossEncoder(default_cross_encoder_files(), capacity=0)  # keeps no scores
    semantic, checked = [], []
    for question in questions:
        empty = Ranking(SemanticReranker(embedder)).answerer(corpus, index)  # no vectors yet
        semantic += timings(empty.answer, [question])
        empty = Ranking(SemanticReranker(embedder), None, check).answerer(corpus, index)
        checked += timings(empty.answer, [question])
    print(f"{name} ({index.size} passages), every question with nothing cached")
    show("BM25 + semantic, nothing cached", semantic)
    show("all stages, nothing cached", checked)


def index_folder(folder: Path, count: int) -> None:
    knowledge = load_knowledge(folder, folder)
    corpus, index = knowledge.corpus, knowledge.answerer.index
    rng = random.Random(5)
    questions = []
    while len(questions) < count:  # mid-frequency words of a passage, as bench_retrieval's
        words = corpus.passages[rng.randrange(len(corpus.passages))].passage.text.split()
        middling = [w for w in set(words) if 100 <= index.document_frequency(w) <= 10_000]
        if len(middling) >= 2:
            questions.append(" ".join(rng.sample(sorted(middling), min(5, len(middling)))) + "?")
    vectors = folder / VECTORS_FILE
    vectors.unlink(missing_ok=True)  # nothing cached, on disk either
    bm25 = BM25_ONLY.answerer(corpus, index)
    reranker = load_reranker()
    full = Ranking(reranker).answerer(corpus, index, VectorFile(vectors, reranker.dimension))
    print(f"index folder {folder} ({index.size:,} passages)")
    show("BM25 alone", timings(bm25.answer, questions))
    show("BM25 + semantic, nothing cached", timings(full.answer, questions))
    show("BM25 + semantic, candidates cached", timings(full.answer, questions))
    check = CrossEncoder(default_cross_encoder_files(), capacity=0)
    checked = Ranking(reranker, None, check).answerer(corpus, index, full.vectors)
    show("all stages, candidates' vectors cached", timings(checked.answer, questions))
    restarted = SemanticReranker(Embedder(default_model()))  # memory empty, the file kept
    on_disk = VectorFile(vectors, restarted.dimension)
    after_restart = Ranking(restarted).answerer(corpus, index, on_disk)
    show("BM25 + semantic, after a restart (on disk)", timings(after_restart.answer, questions))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, help="also time questions on this index folder")
    parser.add_argument("--questions", type=int, default=100, help="questions on --index")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores; the model runs on one thread")
    bundled()
    news_uncached("bundled coverage", ROOT / "corpus", ROOT / "tests/data/questions.jsonl")
    calder = ROOT / "tests/data/calder_falls"
    news_uncached("Calder Falls coverage", calder / "corpus", calder / "questions.jsonl")
    if args.index is not None:
        index_folder(args.index, args.questions)


if __name__ == "__main__":
    main()
