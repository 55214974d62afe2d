"""Updating an index in place: adds until searchable, queries over many segments, a
merge, and start-up with new corpus files. Not a test: it prints figures.

On the synthetic corpus of ``bench_retrieval.py`` (JSON Lines, ten paragraphs an
article) of N paragraphs, indexed as ``coverage-bot index`` does, it measures, each in a
fresh process:

- add: a new file of 100 articles (1,000 paragraphs) brought into the index with
  ``update_index`` and the index loaded again, until a question finds it; time, and peak
  memory above the process's before it started;
- query p50/p95 for the top 10 with 10 segments (nine more such files added), then
  after ``merge_segments`` (and how long the merge took);
- start-up: ``load_knowledge`` (as the bot starts) on a corpus that gained 10 files
  (10 articles, 100 paragraphs, each) since the index was written.

    python benchmarks/bench_updates.py                 # N = 100,000 (about a minute)
    python benchmarks/bench_updates.py --million       # N = 1,000,000 (several minutes)
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_retrieval import write_corpus, write_queries

ARTICLES_PER_ADD = 100
PARAGRAPHS_PER_ADD = ARTICLES_PER_ADD * 10
START_ARTICLES = 10


def _memory_mib(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _reset_peak() -> None:
    """Start the peak resident memory (VmHWM) from the present (Linux: clear_refs 5)."""
    Path("/proc/self/clear_refs").write_text("5")


def measure_add(index: Path, new_file: Path, question: str) -> dict[str, float]:
    """In this (fresh) process: update the index with one new file, then load it and ask."""
    from bot.analysis import analyze
    from bot.store import load_index
    from bot.updates import update_index

    _reset_peak()
    before = _memory_mib("VmRSS")
    started = time.perf_counter()
    report = update_index(index)
    bm25, stored = load_index(index)
    hits = bm25.search(analyze(question), 1)
    seconds = time.perf_counter() - started
    found = bool(hits) and stored.passages[hits[0].number].article.source == new_file.name
    return {
        "seconds": seconds,
        "peak_extra_mib": _memory_mib("VmHWM") - before,
        "found": found,
        "segments": report.segments,
        "files_read": len(report.files_read),
    }


def measure_queries(index: Path, queries: Path) -> dict[str, float]:
    """In this (fresh) process: load the index and time the queries one at a time."""
    from bot.analysis import analyze
    from bot.store import load_index

    bm25, _ = load_index(index)
    terms = [analyze(q) for q in queries.read_text(encoding="utf-8").splitlines()]
    bm25.search(terms[0], 10)  # first touch of the accumulators
    timings = []
    for query in terms:
        started = time.perf_counter()
        bm25.search(query, 10)
        timings.append((time.perf_counter() - started) * 1000)
    return {
        "segments": len(bm25.segments),
        "p50_ms": statistics.median(timings),
        "p95_ms": float(np.percentile(timings, 95)),
    }


def measure_merge(index: Path) -> dict[str, float]:
    from bot.updates import merge_segments

    _reset_peak()
    before = _memory_mib("VmRSS")
    started = time.perf_counter()
    merge_segments(index)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "peak_extra_mib": _memory_mib("VmHWM") - before}


def measure_start(corpus: Path, index: Path) -> dict[str, float]:
    """In this (fresh) process: start as the bot does, on a corpus with new files."""
    from bot.knowledge import load_knowledge

    started = time.perf_counter()
    knowledge = load_knowledge(corpus, index)
    seconds = time.perf_counter() - started
    assert knowledge.update is not None and knowledge.outdated is None
    return {"seconds": seconds, "files_read": len(knowledge.update.files_read)}


def _in_fresh_process(what: str, *args: Path | str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, __file__, "--measure", what, *map(str, args)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def _add_file(
    corpus: Path, words: list[str], number: int, articles: int = ARTICLES_PER_ADD
) -> tuple[Path, str]:
    """A new file of ``articles`` articles of ten paragraphs in the corpus folder, drawn
    as the archive was; and a question only it answers (its first paragraph)."""
    rng = np.random.default_rng(1000 + number)
    ranks = np.arange(1, len(words) + 1)
    zipf = (1 / ranks) / (1 / ranks).sum()
    path = corpus / f"added-{number:02d}.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for n in range(articles):
            body = [
                " ".join(words[i] for i in rng.choice(len(words), rng.integers(30, 81), p=zipf))
                + "."
                for _ in range(10)
            ]
            headline = f"Added {number}-{n}: " + " ".join(
                words[i] for i in rng.integers(50, 5000, size=6)
            )
            out.write(json.dumps({"headline": headline, "paragraphs": body}) + "\n")
    first = json.loads(path.read_text(encoding="utf-8").split("\n", 1)[0])
    return path, first["paragraphs"][0]


def run(paragraphs: int, workdir: Path) -> None:
    from bot.knowledge import build_index

    corpus, queries, index = workdir / "corpus", workdir / "queries.txt", workdir / "index"
    corpus.mkdir()
    words = write_corpus(corpus / "archive.jsonl", paragraphs)
    write_queries(queries, words)
    started = time.perf_counter()
    build_index(corpus, index, workers=2)
    build_seconds = time.perf_counter() - started
    one = _in_fresh_process("queries", index, queries)

    path, question = _add_file(corpus, words, 0)
    add = _in_fresh_process("add", index, path, question)
    for number in range(1, 9):  # with the first segment, ten
        path, question = _add_file(corpus, words, number)
        _in_fresh_process("add", index, path, question)
    ten = _in_fresh_process("queries", index, queries)
    merge = _in_fresh_process("merge", index)
    merged = _in_fresh_process("queries", index, queries)

    for number in range(10, 20):
        _add_file(corpus, words, number, articles=START_ARTICLES)
    start = _in_fresh_process("start", corpus, index)

    rows = [
        ("build (one segment)", f"{build_seconds:.1f} s"),
        ("query top 10, one segment", f"p50 {one['p50_ms']:.3f} ms, p95 {one['p95_ms']:.3f} ms"),
        (f"add {ARTICLES_PER_ADD} articles until searchable",
         f"{add['seconds']:.2f} s, peak +{add['peak_extra_mib']:.0f} MiB, "
         f"found: {add['found']}, files read: {add['files_read']}"),
        (f"query top 10, {ten['segments']} segments",
         f"p50 {ten['p50_ms']:.3f} ms, p95 {ten['p95_ms']:.3f} ms"),
        ("merge into one segment",
         f"{merge['seconds']:.1f} s, peak +{merge['peak_extra_mib']:.0f} MiB"),
        (f"query top 10 after the merge ({merged['segments']} segment)",
         f"p50 {merged['p50_ms']:.3f} ms, p95 {merged['p95_ms']:.3f} ms"),
        (f"start-up with 10 new files of {START_ARTICLES} articles",
         f"{start['seconds']:.2f} s, files read: {start['files_read']}"),
    ]  # fmt: skip
    print(f"\nN = {paragraphs:,} paragraphs, adds of {PARAGRAPHS_PER_ADD:,}")
    for name, value in rows:
        print(f"  {name:<44} {value}")


MEASURES = {
    "add": measure_add,
    "queries": measure_queries,
    "merge": measure_merge,
    "start": measure_start,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000, help="paragraphs in the index")
    parser.add_argument("--million", action="store_true", help="1,000,000 paragraphs")
    parser.add_argument("--measure", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        what, *paths = args.measure
        values = [Path(p) if n < 2 or what != "add" else p for n, p in enumerate(paths)]
        print(json.dumps(MEASURES[what](*values)))
        return
    workdir = Path(tempfile.mkdtemp(prefix="coverage-bench-updates-"))
    try:
        run(1_000_000 if args.million else args.size, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
