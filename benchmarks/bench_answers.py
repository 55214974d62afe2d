"""Answer latency end to end, BM25 alone and with the semantic stage, one question at a time.

- the bundled coverage: the questions of tests/data/questions.jsonl, asked once to fill
  the sentence-vector cache and then timed, with BM25 alone and with both stages;
- news paragraphs with nothing cached: each question of the bundled and Calder Falls
  sets asked with the sentence-vector cache empty, so every candidate is embedded;
- an index folder (``--index DIR``, for example one ``coverage-bot index`` built from
  bench_retrieval.py's synthetic corpus or prose_corpus.py's real sentences): questions
  made of 2-5 mid-frequency words of its own passages, each asked with nothing cached
  (the cache emptied before each, so every candidate's sentences are embedded), then
  again once cached in memory, then by a fresh model as after a restart (the vectors
  read from the index folder's file); and how many of its passages ``coverage-bot embed``
  embeds a second, on one thread and on every core.

Run: ``.venv/bin/python benchmarks/bench_answers.py [--index DIR] [--questions N]``.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from bot.answer import BM25_ONLY, Answerer, QuestionError, Ranking
from bot.cross_encoder import CrossEncoder, default_cross_encoder_files, load_cross_encoder
from bot.embedding import Embedder, default_model
from bot.evaluation import load_cases
from bot.index_folder import VECTORS_FILE
from bot.index_vectors import CHUNK
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
    misspelt = [c.question for c in load_cases(ROOT / "tests/data/misspelt/questions.jsonl")]
    show("all stages, the set misspelt, first time", timings(checked.answer, misspelt))


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
    embedder = Embedder(default_model())
    uncached = []
    for question in questions:  # the cache emptied each time: text may repeat across passages
        empty = Ranking(SemanticReranker(embedder)).answerer(corpus, index)
        uncached += timings(empty.answer, [question])
    print(f"index folder {folder} ({index.size:,} passages)")
    show("BM25 alone", timings(bm25.answer, questions))
    show("BM25 + semantic, nothing cached", uncached)
    timings(full.answer, questions)  # fills the cache and the index folder's vector file
    show("BM25 + semantic, candidates cached", timings(full.answer, questions))
    misspelt = [_misspelt(question) for question in questions]
    show("reading a misspelt question (read_as)", timings(full.read_as, misspelt))
    check = CrossEncoder(default_cross_encoder_files(), capacity=0)
    checked = Ranking(reranker, None, check).answerer(corpus, index, full.vectors)
    show("all stages, candidates' vectors cached", timings(checked.answer, questions))
    restarted = SemanticReranker(Embedder(default_model()))  # memory empty, the file kept
    on_disk = VectorFile(vectors, restarted.dimension)
    after_restart = Ranking(restarted).answerer(corpus, index, on_disk)
    show("BM25 + semantic, after a restart (on disk)", timings(after_restart.answer, questions))


def _misspelt(question: str) -> str:
    """The question with two middle letters of its longest word swapped ("tecicezo" as
    "teciezco"): a word the index does not hold, one edit from one it does."""
    words = question.rstrip("?").split()
    longest = max(range(len(words)), key=lambda n: len(words[n]))
    word, middle = words[longest], len(words[longest]) // 2
    words[longest] = word[: middle - 1] + word[middle] + word[middle - 1] + word[middle + 1 :]
    return " ".join(words) + "?"


def embedding_ahead(folder: Path, count: int = 1024) -> None:
    """What ``coverage-bot embed`` does a second, on one thread and on every core: ``count``
    passages from the middle of the index embedded into a scratch vector file."""
    knowledge = load_knowledge(folder, folder)
    middle = len(knowledge.corpus.passages) // 2
    refs = [knowledge.corpus.passages[n] for n in range(middle, middle + count)]
    print(f"embedding ahead ({count} passages of {folder}, as coverage-bot embed does)")
    for threads in sorted({1, len(os.sched_getaffinity(0))}):
        reranker = SemanticReranker(Embedder(default_model(), threads=threads))
        with tempfile.TemporaryDirectory() as scratch:
            stored = VectorFile(Path(scratch) / "vectors.sqlite3", reranker.dimension, strict=True)
            started = time.perf_counter()
            for start in range(0, count, CHUNK):  # as embed_passages goes through them
                reranker.fill(refs[start : start + CHUNK], stored)
            spent = time.perf_counter() - started
            stored.close()
        label = f"{threads} thread{'s' if threads > 1 else ''}"
        print(f"  {label}: {count / spent:6.1f} passages a second")


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
        embedding_ahead(args.index)


if __name__ == "__main__":
    main()
