"""The retrieval benchmark still runs end to end (at a size CI can afford)."""

from __future__ import annotations

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
