"""A threshold kept in the index folder, in the running bot: questions declined by it,
/about saying where it comes from, and /reload reading it afresh."""

from __future__ import annotations

from pathlib import Path

from fake_discord import BOT_USER, CHANNEL_ID, MANAGE_GUILD, OWNER_ID, FakeDiscord, user
from harness import bot_replies, bot_settings, callback, followup, mention, start_bot, stop_bot

from bot.answer import BM25_ONLY
from bot.discord_bot.formatting import NO_ANSWER
from bot.knowledge import build_index, load_knowledge
from bot.saved_threshold import save_threshold

READER = user(42, "reader")
OWNER = user(OWNER_ID, "owner")
BUNDLED = Path(__file__).resolve().parents[2] / "corpus"


async def test_the_bot_declines_by_the_threshold_kept_in_its_index(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    build_index(BUNDLED, index)
    save_threshold(index, None, 1.9, answerable=30, off_topic=10)
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

        save_threshold(index, None, 0.5, answerable=40, off_topic=12)  # calibrated again
        interaction = await fake.slash("reload", {}, author=OWNER, permissions=MANAGE_GUILD)
        await followup(fake, interaction)
        assert bot.knowledge.answerer.threshold == 0.5
        assert bot.knowledge.calibration.answerable == 40
    finally:
        await stop_bot(bot)
