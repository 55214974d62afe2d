"""Retrieval at scale: build, size, load, memory and query latency, against rank-bm25.

Not a test: it prints figures. For each N it generates a deterministic synthetic corpus
(Zipfian vocabulary of pseudo-words, 30-80 words a paragraph, ten paragraphs an
article, as JSON Lines) and a query set (2-8 mid-frequency words), then measures:

- build: ``coverage-bot index`` end to end (read the JSON Lines, tokenise, index, write);
- size of the index folder on disk;
- load and resident memory, in a fresh process, as the bot loads it; of the load, the
  time spent verifying the folder (checksums and bounds), and CRC-32 alone;
- query p50/p95 for the top 10 through the loaded index, one query at a time;
- the same queries through rank-bm25's BM25Okapi ``get_scores`` on the same terms
  (a sample of them at large N), in the same run, with the ratio; the top 10 of both
  are compared on the sample.

    python benchmarks/bench_retrieval.py                 # N = 100,000 and 1,000,000
    python benchmarks/bench_retrieval.py --sizes 20000   # a quick look

The first run at 1M takes several minutes and a few GiB of memory while building.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

WORDS_PER_ARTICLE = 10
VOCABULARY = 200_000
QUERIES = 300


def pseudo_words(count: int, rng: np.random.Generator) -> list[str]:
    """Distinct pronounceable words, so the real analyzer and stemmer do real work."""
    consonants, vowels = list("bcdfghklmnprstvz"), list("aeiou")
    words: set[str] = set()
    while len(words) < count:
        syllables = rng.integers(2, 5)
        words.add(
            "".join(
                consonants[rng.integers(len(consonants))] + vowels[rng.integers(len(vowels))]
                for _ in range(syllables)
            )
        )
    return sorted(words)


def write_corpus(path: Path, paragraphs: int, seed: int = 7) -> list[str]:
    """The synthetic corpus as JSON Lines articles; returns the vocabulary by rank."""
    rng = np.random.default_rng(seed)
    words = pseudo_words(VOCABULARY, rng)
    rng.shuffle(words)  # rank order is not alphabetical
    ranks = np.arange(1, VOCABULARY + 1)
    zipf = (1 / ranks) / (1 / ranks).sum()
    lengths = rng.integers(30, 81, size=paragraphs)
    draws = rng.choice(VOCABULARY, size=int(lengths.sum()), p=zipf)
    bounds = np.concatenate([[0], np.cumsum(lengths)])
    with path.open("w", encoding="utf-8") as out:
        for start in range(0, paragraphs, WORDS_PER_ARTICLE):
            body = [
                " ".join(words[i] for i in draws[bounds[p] : bounds[p + 1]]) + "."
                for p in range(start, min(start + WORDS_PER_ARTICLE, paragraphs))
            ]
            headline = f"Report {start // WORDS_PER_ARTICLE}: " + " ".join(
                words[i] for i in rng.integers(50, 5000, size=6)
            )
            record = {"headline": headline, "date": "2020-01-08", "paragraphs": body}
            out.write(json.dumps(record) + "\n")
    return words


def write_queries(path: Path, words: list[str], seed: int = 11) -> None:
    """Queries of 2-8 words of mid frequency (ranks 100 to 10,000)."""
    rng = np.random.default_rng(seed)
    queries = [
        " ".join(words[i] for i in rng.integers(100, 10_000, size=rng.integers(2, 9)))
        for _ in range(QUERIES)
    ]
    path.write_text("\n".join(queries) + "\n", encoding="utf-8")


def measure_loaded(corpus: Path, index: Path, queries: Path) -> dict[str, float]:
    """In this (fresh) process: load as the bot does, then time the queries."""
    from bot import store
    from bot.analysis import analyze
    from bot.index_folder import current_generation
    from bot.integrity import file_crc32
    from bot.knowledge import load_knowledge

    verify, verify_seconds = store.verify_index, []

    def timed_verify(*args: Any) -> None:
        started = time.perf_counter()
        verify(*args)
        verify_seconds.append(time.perf_counter() - started)

    store.verify_index = timed_verify  # type: ignore[assignment]
    started = time.perf_counter()
    knowledge = load_knowledge(corpus, index)  # checks the corpus fingerprint, as the bot does
    load_seconds = time.perf_counter() - started
    rss = _rss_mib()
    started = time.perf_counter()
    for file in current_generation(index).rglob("*"):
        if file.is_file():
            file_crc32(file)
    crc_seconds = time.perf_counter() - started
    bm25 = knowledge.answerer.index
    terms = [analyze(q) for q in queries.read_text(encoding="utf-8").splitlines()]
    bm25.search(terms[0], 10)  # first touch of the accumulators
    timings = []
    for query in terms:
        started = time.perf_counter()
        bm25.search(query, 10)
        timings.append((time.perf_counter() - started) * 1000)
    return {
        "load_s": load_seconds,
        "verify_s": verify_seconds[0],
        "crc_s": crc_seconds,
        "rss_mib": rss,
        "p50_ms": statistics.median(timings),
        "p95_ms": float(np.percentile(timings, 95)),
    }


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def rank_bm25_figures(corpus: Path, index: Path, queries: Path, sample: int) -> dict[str, float]:
    """rank-bm25 on the same passages' terms and the first ``sample`` queries; the top 10
    of both are compared with the index's tie-break (score down, passage number up)."""
    from rank_bm25 import BM25Okapi

    from bot.analysis import analyze
    from bot.answer import passage_terms
    from bot.corpus import load_corpus
    from bot.store import load_index

    documents = [passage_terms(ref) for ref in load_corpus(corpus).corpus.passages]
    started = time.perf_counter()
    reference = BM25Okapi(documents)
    build_seconds = time.perf_counter() - started
    fast, _ = load_index(index)
    timings, same_top = [], 0
    for line in queries.read_text(encoding="utf-8").splitlines()[:sample]:
        terms = analyze(line)
        started = time.perf_counter()
        scores = reference.get_scores(terms)
        timings.append((time.perf_counter() - started) * 1000)
        shares = np.flatnonzero(scores != 0)
        expected = shares[np.lexsort((shares, -scores[shares]))][:10].tolist()
        same_top += [h.number for h in fast.search(terms, 10)] == expected
    return {
        "build_s": build_seconds,
        "p50_ms": statistics.median(timings),
        "p95_ms": float(np.percentile(timings, 95)),
        "sample": sample,
        "same_top10": same_top,
    }


def run(paragraphs: int, workdir: Path) -> None:
    corpus, queries, index = workdir / "corpus.jsonl", workdir / "queries.txt", workdir / "index"
    write_queries(queries, write_corpus(corpus, paragraphs))
    from bot.knowledge import build_index

    started = time.perf_counter()
    build_index(corpus, index, workers=os.cpu_count() or 1)  # as `coverage-bot index` does
    build_seconds = time.perf_counter() - started
    size_mib = sum(f.stat().st_size for f in index.rglob("*") if f.is_file()) / 2**20
    loaded = json.loads(
        subprocess.run(
            [sys.executable, __file__, "--measure-loaded", str(corpus), str(index), str(queries)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    sample = 50 if paragraphs <= 200_000 else 10
    reference = rank_bm25_figures(corpus, index, queries, sample)
    speed_up = reference["p50_ms"] / loaded["p50_ms"]
    rows = [
        ("build (read, tokenise, index, write)", f"{build_seconds:.1f} s"),
        ("index size on disk", f"{size_mib:.1f} MiB"),
        ("load (fresh process)", f"{loaded['load_s']:.3f} s"),
        ("verify at load", f"{loaded['verify_s']:.3f} s (CRC-32 alone {loaded['crc_s']:.3f} s)"),
        ("resident memory after load", f"{loaded['rss_mib']:.1f} MiB"),
        (f"query top 10, {QUERIES} queries", f"p50 {loaded['p50_ms']:.3f} ms, "
         f"p95 {loaded['p95_ms']:.3f} ms"),
        (f"rank-bm25 get_scores, {reference['sample']} queries",
         f"p50 {reference['p50_ms']:.1f} ms, p95 {reference['p95_ms']:.1f} ms"),
        ("rank-bm25 build (tokens given)", f"{reference['build_s']:.1f} s"),
        ("speed-up at p50", f"{speed_up:.0f}x"),
        ("same top 10 as rank-bm25", f"{reference['same_top10']} of {reference['sample']}"),
    ]  # fmt: skip
    print(f"\nN = {paragraphs:,} paragraphs ({paragraphs // WORDS_PER_ARTICLE:,} articles)")
    for name, value in rows:
        print(f"  {name:<40} {value}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--measure-loaded", nargs=3, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure_loaded:
        print(json.dumps(measure_loaded(*args.measure_loaded)))
        return
    print(f"machine: {os.cpu_count()} cores; one query at a time on one core")
    for paragraphs in args.sizes:
        workdir = Path(tempfile.mkdtemp(prefix="coverage-bench-"))
        try:
            run(paragraphs, workdir)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
