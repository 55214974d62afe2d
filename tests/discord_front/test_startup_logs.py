"""What `coverage-bot run` and `sync` log first: the version, and what they loaded from where."""

from __future__ import annotations

import logging
import tomllib
from pathlib import Path

import pytest
from fake_discord import FakeDiscord
from harness import bot_settings

from bot.discord_bot.launcher import sync_only
from bot.knowledge import Knowledge, build_index, load_knowledge

ROOT = Path(__file__).resolve().parents[2]
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


async def test_start_up_logs_the_version_and_the_corpus_it_loaded(
    fake: FakeDiscord, tmp_path: Path, knowledge: Knowledge, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await sync_only(bot_settings(tmp_path), knowledge)
    assert caplog.messages[:2] == [
        f"starting coverage-bot version={VERSION}",
        f"loaded corpus: articles=4 passages=26 skipped=0 corpus={ROOT / 'corpus'}",
    ]


async def test_start_up_from_an_index_logs_the_index_folder_in_full(
    fake: FakeDiscord,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    build_index(ROOT / "corpus", Path("index"))
    caplog.set_level(logging.INFO)
    await sync_only(bot_settings(tmp_path), load_knowledge(ROOT / "corpus", Path("index")))
    folder = tmp_path.resolve() / "index"
    assert caplog.messages[1] == f"loaded index: articles=4 passages=26 index={folder}"
