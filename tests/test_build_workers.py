"""A build killed while its workers tokenise leaves nothing behind that holds the index
folder: its workers die with it, and the next build goes ahead."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.knowledge import build_index

ROOT = Path(__file__).resolve().parent.parent
BUNDLED_CORPUS = ROOT / "corpus"

# A build whose workers each note their pid, then tokenise for a minute: long enough to
# kill the build in the middle, whatever the machine.
SLOW_BUILD = """
import os, sys, time
from pathlib import Path
from bot import index_writer
from bot.knowledge import build_index

def slow_chunk(bounds):
    (Path(sys.argv[3]) / str(os.getpid())).touch()
    time.sleep(60)

index_writer._number_chunk = slow_chunk
index_writer._MIN_CHUNK = 1
build_index(Path(sys.argv[1]), Path(sys.argv[2]), workers=2)
"""


def alive(pid: int) -> bool:
    """Whether ``pid`` is a process that still runs (Linux; a zombie has died)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def wait_until(condition: Callable[[], bool], seconds: float) -> bool:
    """Whether ``condition`` came true within ``seconds`` (a bound, not a timing)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM], ids=["kill", "term"])
def test_a_build_killed_while_its_workers_run_leaves_the_folder_free(
    tmp_path: Path, how: signal.Signals
) -> None:
    script, out, pids = tmp_path / "slow_build.py", tmp_path / "index", tmp_path / "pids"
    script.write_text(SLOW_BUILD)
    pids.mkdir()
    build = subprocess.Popen(
        [sys.executable, str(script), str(BUNDLED_CORPUS), str(out), str(pids)],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    workers: list[int] = []
    try:
        assert wait_until(lambda: len(list(pids.iterdir())) >= 2, 60), "no workers started"
        workers = [int(p.name) for p in pids.iterdir()]
        build.send_signal(how)
        build.wait(timeout=30)
        assert wait_until(lambda: not any(map(alive, workers)), 10), "workers outlived it"
        assert build_index(BUNDLED_CORPUS, out) == ()
        assert (out / "CURRENT").is_file()
    finally:
        build.kill()
        build.wait(timeout=30)
        for pid in workers:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
