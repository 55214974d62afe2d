"""Starting and stopping: a missing token, a clean shutdown on SIGTERM, `coverage-bot sync`."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from fake_discord import APPLICATION_ID, FakeDiscord
from harness import bot_settings

from bot.discord_bot.launcher import StartupError, serve, sync_only
from bot.knowledge import Knowledge

GLOBAL_COMMANDS = f"/applications/{APPLICATION_ID}/commands"


def test_run_without_a_token_says_how_to_get_one(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("coverage-bot: DISCORD_TOKEN is not set.")
    assert "https://discord.com/developers/applications" in result.stderr
    assert "coverage-bot chat" in result.stderr
    assert "Traceback" not in result.stderr


async def test_sigterm_closes_the_bot_cleanly_and_the_token_is_never_logged(
    fake: FakeDiscord, tmp_path: Path, knowledge: Knowledge, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    running = asyncio.create_task(serve(bot_settings(tmp_path), knowledge))
    await fake.wait_for_op(2)  # IDENTIFY: by now serve() has its signal handlers
    os.kill(os.getpid(), signal.SIGTERM)
    await asyncio.wait_for(running, 10)
    assert "signal received; shutting down" in caplog.text
    assert "fake-token" not in caplog.text
    asyncio.get_running_loop().remove_signal_handler(signal.SIGTERM)
    asyncio.get_running_loop().remove_signal_handler(signal.SIGINT)


async def test_sync_command_syncs_even_when_nothing_changed(
    fake: FakeDiscord, tmp_path: Path, knowledge: Knowledge
) -> None:
    settings = bot_settings(tmp_path)
    await sync_only(settings, knowledge)
    await sync_only(settings, knowledge)
    syncs = [r for r in fake.requests if r.method == "PUT" and r.path == GLOBAL_COMMANDS]
    assert len(syncs) == 2
    assert not fake.gateway_ops  # it never connects to the gateway


async def test_missing_message_content_intent_is_explained(
    fake: FakeDiscord, tmp_path: Path, knowledge: Knowledge
) -> None:
    fake.refuse_identify_with = 4014
    with pytest.raises(StartupError, match="Message Content intent is not enabled"):
        await asyncio.wait_for(serve(bot_settings(tmp_path), knowledge), 10)


async def test_refused_token_is_one_sentence_without_the_token(
    fake: FakeDiscord, tmp_path: Path, knowledge: Knowledge
) -> None:
    settings = bot_settings(tmp_path, discord_token="not-the-right-token")
    with pytest.raises(StartupError, match="Discord refused DISCORD_TOKEN") as raised:
        await asyncio.wait_for(serve(settings, knowledge), 10)
    assert "not-the-right-token" not in str(raised.value)
