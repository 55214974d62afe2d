"""``/report`` through the fake Discord: a server's own figures as an embed, the chart as
a PNG in a multipart upload, and nothing of another server's questions."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from fake_discord import (
    APPLICATION_ID,
    CHANNEL_B_ID,
    CHANNEL_ID,
    GUILD_B_ID,
    GUILD_ID,
    MANAGE_GUILD,
    FakeDiscord,
    user,
)
from harness import bot_settings, callback, start_bot, stop_bot

from bot.knowledge import Knowledge
from bot.state.database import StateDatabase, database_url
from bot.state.question_log import AskedQuestion, QuestionLog

EDITOR = user(50, "editor")
READER = user(42, "reader")
EPHEMERAL = 64


async def logged(tmp_path: Path) -> None:
    """Questions in two servers: two answered and two declined in A, one in B."""
    database = await StateDatabase.open(database_url(None, tmp_path / "state"))
    log = QuestionLog(database)
    day = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)
    answered = AskedQuestion(
        "What did the FAA do?", True, GUILD_ID, CHANNEL_ID, "faa", "FAA acts", "It *closed* air."
    )
    first = await log.record(answered, at=day)
    await log.record(answered, at=day + dt.timedelta(days=1))
    for asked in ("How much is a monthly pass?", "monthly pass price?"):
        await log.record(AskedQuestion(asked, False, GUILD_ID, CHANNEL_ID), at=day)
    await log.vote(first, 3, helpful=False)
    secret = AskedQuestion("What is server B's secret plan?", False, GUILD_B_ID, CHANNEL_B_ID)
    await log.record(secret, at=day)
    await database.close()


async def test_report_shows_the_servers_own_figures_with_the_chart_attached(
    fake: FakeDiscord, tmp_path: Path, knowledge: Knowledge
) -> None:
    await logged(tmp_path)
    fake.guild_ids.append(GUILD_B_ID)
    bot = await start_bot(fake, bot_settings(tmp_path), knowledge)
    try:
        interaction = await fake.slash("report", {}, author=EDITOR, permissions=MANAGE_GUILD)
        assert await callback(fake, interaction) == {"type": 5, "data": {"flags": EPHEMERAL}}
        path = f"/webhooks/{APPLICATION_ID}/{interaction['token']}"
        [sent] = await fake.wait_for_request(lambda r: r.method == "POST" and r.path == path)
    finally:
        await stop_bot(bot)
    [(filename, _, png)] = sent.files
    assert filename == "questions-per-day.png"
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    body = sent.json
    assert body["flags"] == EPHEMERAL
    [embed] = body["embeds"]
    assert embed["title"] == "What readers asked"
    assert embed["description"] == "4 questions: 2 answered (50%), 2 declined."
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields == {
        "Gaps in the coverage (declined, by their words)": "2 × month pass: monthly pass price?",
        "Answers voted not helpful": "1 not helpful, 0 helpful: FAA acts: It \\*closed\\* air.",
        "Articles most answered from": "2 × FAA acts",
    }
    assert embed["image"]["url"] == "attachment://questions-per-day.png"
    assert body["attachments"][0]["filename"] == "questions-per-day.png"
    assert "secret" not in json.dumps(body)  # server B's questions are B's alone


async def test_report_since_a_day_and_refusals_are_private_lines(
    fake: FakeDiscord, tmp_path: Path, knowledge: Knowledge
) -> None:
    await logged(tmp_path)
    bot = await start_bot(fake, bot_settings(tmp_path), knowledge)
    try:
        refused = await fake.slash("report", {}, author=READER)
        assert (await callback(fake, refused))["data"]["content"] == (
            "You need the Manage Server permission to use this command."
        )
        bad = await fake.slash(
            "report", {"since": "last week"}, author=EDITOR, permissions=MANAGE_GUILD
        )
        data = (await callback(fake, bad))["data"]
        assert data["content"] == (
            "`since` takes a day as YYYY-MM-DD, such as 2026-11-01, not “last week”."
        )
        assert data["flags"] == EPHEMERAL
        later = await fake.slash(
            "report", {"since": "2026-11-21"}, author=EDITOR, permissions=MANAGE_GUILD
        )
        path = f"/webhooks/{APPLICATION_ID}/{later['token']}"
        [sent] = await fake.wait_for_request(lambda r: r.method == "POST" and r.path == path)
        [embed] = sent.json["embeds"]
        assert embed["title"] == "What readers asked since Nov 21, 2026"
        assert embed["description"] == "1 question: 1 answered (100%), 0 declined."
    finally:
        await stop_bot(bot)
