"""The state benchmark still runs end to end (at a size CI can afford)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCHMARK = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_state.py"


def test_state_benchmark_prints_both_figures() -> None:
    result = subprocess.run(
        [sys.executable, str(BENCHMARK), "--questions", "300"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "on the answer path (hand-off to the background)  median" in result.stdout
    assert "Report over 300 questions in one server (300 more in another):" in result.stdout
