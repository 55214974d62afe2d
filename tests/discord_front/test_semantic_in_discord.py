"""All the stages in the running bot: a paraphrase answered in Discord, /about naming
the stages, and /reload keeping them."""

from __future__ import annotations

from pathlib import Path

from fake_discord import BOT_USER, CHANNEL_ID, MANAGE_GUILD, OWNER_ID, FakeDiscord, user
from harness import bot_replies, bot_settings, callback, followup, mention, start_bot, stop_bot

from bot.answer import Ranking
from bot.cross_encoder import load_cross_encoder
from bot.knowledge import build_knowledge
from bot.rerank import load_reranker

READER = user(42, "reader")
OWNER = user(OWNER_ID, "owner")  # /reload is for the people who run the bot
BUNDLED = Path(__file__).resolve().parents[2] / "corpus"
STAGES = "BM25 + all-MiniLM-L6-v2-int8 + ms-marco-MiniLM-L-12-v2-int8"


async def test_a_paraphrase_is_answered_and_about_names_the_stages(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    knowledge = build_knowledge(BUNDLED, Ranking(load_reranker(), None, load_cross_encoder()))
    bot = await start_bot(fake, bot_settings(tmp_path, corpus=BUNDLED), knowledge)
    try:
        await fake.message_create(
            mention("Where was Soleimani killed?"), author=READER, mentions=[BOT_USER]
        )
        [reply] = await bot_replies(fake, CHANNEL_ID)
        [embed] = reply.json["embeds"]
        assert "airstrike near Baghdad's international airport" in embed["description"]

        interaction = await fake.slash("reload", {}, author=OWNER, permissions=MANAGE_GUILD)
        done = await followup(fake, interaction)
        assert done.json["content"] == "Reloaded: 4 articles, 26 passages."
        assert bot.knowledge is not knowledge
        assert bot.knowledge.answerer.stages == STAGES

        interaction = await fake.slash("about", {}, author=READER)
        [about] = (await callback(fake, interaction))["data"]["embeds"]
        fields = {f["name"]: f["value"] for f in about["fields"]}
        assert fields["Ranking"] == STAGES
        assert fields["Declines below"] == "0.700 (the default)"
    finally:
        await stop_bot(bot)
