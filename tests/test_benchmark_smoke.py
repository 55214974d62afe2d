"""The retrieval benchmark still runs end to end (at a size CI can afford)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCHMARK = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_retrieval.py"


def test_benchmark_runs_and_agrees_with_rank_bm25() -> None:
    result = subprocess.run(
        [sys.executable, str(BENCHMARK), "--sizes", "3000"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "N = 3,000 paragraphs" in result.stdout
    assert "same top 10 as rank-bm25                 50 of 50" in result.stdout


def test_the_prose_corpus_is_real_sentences_in_distinct_paragraphs(tmp_path: Path) -> None:
    out = tmp_path / "prose.jsonl"
    script = BENCHMARK.with_name("prose_corpus.py")
    result = subprocess.run(
        [sys.executable, str(script), str(out), "--paragraphs", "205"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    articles = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    paragraphs = [p for article in articles for p in article["paragraphs"]]
    assert len(articles) == 21 and len(paragraphs) == 205
    assert len(set(paragraphs)) == 205  # a corpus would keep one copy of a repeat
    assert articles[0]["headline"].endswith(", part 0")
    again = subprocess.run(
        [sys.executable, str(script), str(out)], capture_output=True, text=True, check=False
    )
    assert again.returncode == 2 and "exists; give a new file" in again.stderr  # not replaced
