"""A threshold kept in the index folder, in the running bot: questions declined by it,
/about saying where it comes from, and /reload reading it afresh."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fake_discord import BOT_USER, CHANNEL_ID, MANAGE_GUILD, OWNER_ID, FakeDiscord, user
from harness import bot_replies, bot_settings, callback, followup, mention, start_bot, stop_bot

from bot.answer import BM25_ONLY, Ranking
from bot.discord_bot.formatting import NO_ANSWER
from bot.evaluation import Calibration
from bot.knowledge import build_index, build_knowledge, load_knowledge
from bot.saved_threshold import CALIBRATION_FILE, save_threshold
from bot.store import indexed_corpus


def keep(index: Path, threshold: float, answerable: int) -> None:
    """What `evaluate --calibrate --save` keeps for BM25 alone, for a threshold chosen here."""
    calibration = Calibration(threshold, 0.0, (), answerable, 10)
    save_threshold(index, BM25_ONLY, calibration, indexed_corpus(index))


READER = user(42, "reader")
OWNER = user(OWNER_ID, "owner")
BUNDLED = Path(__file__).resolve().parents[2] / "corpus"


async def test_the_bot_declines_by_the_threshold_kept_in_its_index(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    build_index(BUNDLED, index)
    keep(index, 1.9, answerable=30)
    knowledge = load_knowledge(BUNDLED, index, BM25_ONLY)
    settings = bot_settings(tmp_path, corpus=BUNDLED, index=index, semantic=False)
    bot = await start_bot(fake, settings, knowledge)
    try:
        await fake.message_create(
            mention("Were any Americans killed?"), author=READER, mentions=[BOT_USER]
        )
        [reply] = await bot_replies(fake, CHANNEL_ID)
        assert reply.json["content"] == NO_ANSWER

        interaction = await fake.slash("about", {}, author=READER)
        [about] = (await callback(fake, interaction))["data"]["embeds"]
        fields = {f["name"]: f["value"] for f in about["fields"]}
        assert fields["Declines below"] == (
            "1.900 (calibrated on 30 answerable and 10 off-topic questions)"
        )

        keep(index, 0.5, answerable=40)  # calibrated again
        interaction = await fake.slash("reload", {}, author=OWNER, permissions=MANAGE_GUILD)
        await followup(fake, interaction)
        assert bot.knowledge.answerer.threshold == 0.5
        assert bot.knowledge.calibration.answerable == 40
    finally:
        await stop_bot(bot)


async def test_reload_reads_a_threshold_saved_or_damaged_since_the_start(
    fake: FakeDiscord, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    index = tmp_path / "index"
    build_index(BUNDLED, index)
    knowledge = load_knowledge(BUNDLED, index, BM25_ONLY)  # no threshold kept yet
    settings = bot_settings(tmp_path, corpus=BUNDLED, index=index, semantic=False)
    bot = await start_bot(fake, settings, knowledge)
    try:
        assert bot.knowledge.answerer.threshold == 0.32
        keep(index, 1.9, answerable=30)
        await bot.reload()
        assert bot.knowledge.answerer.threshold == 1.9

        (index / CALIBRATION_FILE).write_text("{ half a file")
        with caplog.at_level(logging.WARNING, logger="bot"):
            await bot.reload()
        assert bot.knowledge.answerer.threshold == 0.32
        assert f"{index / CALIBRATION_FILE}: not used (not JSON coverage-bot wrote)" in caplog.text

        (index / CALIBRATION_FILE).unlink()  # the operator moves it aside, calibrates again
        keep(index, 0.5, answerable=40)
        await bot.reload()
        assert bot.knowledge.answerer.threshold == 0.5
    finally:
        await stop_bot(bot)


async def test_about_says_when_the_operator_set_the_threshold(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    knowledge = build_knowledge(BUNDLED, Ranking(threshold=0.6))
    bot = await start_bot(fake, bot_settings(tmp_path, corpus=BUNDLED), knowledge)
    try:
        interaction = await fake.slash("about", {}, author=READER)
        [about] = (await callback(fake, interaction))["data"]["embeds"]
        fields = {f["name"]: f["value"] for f in about["fields"]}
        assert fields["Declines below"] == "0.600 (set by the operator)"
    finally:
        await stop_bot(bot)
