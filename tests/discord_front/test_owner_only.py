"""Changing the coverage every server shares is for the people who run the bot: the
application's owner (from Discord's application info) and COVERAGE_BOT_ADMIN_USERS."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_discord import MANAGE_GUILD, OWNER_ID, FakeDiscord, user
from harness import bot_settings, callback, followup, start_bot, stop_bot

from bot.config import Settings, SettingsError, load_settings
from bot.knowledge import Knowledge

REFUSED = (
    "Only the people who run the bot can do that: it changes the coverage every server shares."
)


@pytest.mark.parametrize(
    ("member", "admin_users", "reloads"),
    [
        (user(OWNER_ID, "owner"), frozenset(), True),
        (user(77, "named-admin"), frozenset({77}), True),
        (user(78, "server-admin"), frozenset({77}), False),
    ],
)
async def test_reload_is_for_the_owner_and_the_configured_admins(
    fake: FakeDiscord,
    tmp_path: Path,
    knowledge: Knowledge,
    member: dict,
    admin_users: frozenset[int],
    reloads: bool,
) -> None:
    bot = await start_bot(fake, bot_settings(tmp_path, admin_users=admin_users), knowledge)
    try:
        interaction = await fake.slash("reload", {}, author=member, permissions=MANAGE_GUILD)
        if reloads:
            done = (await followup(fake, interaction)).json
            assert done["content"] == "Reloaded: 4 articles, 26 passages."
        else:
            response = await callback(fake, interaction)
            assert (response["data"]["content"], response["data"]["flags"]) == (REFUSED, 64)
            assert bot.knowledge is knowledge
    finally:
        await stop_bot(bot)


def test_admin_users_are_ids_separated_by_commas_or_spaces(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COVERAGE_BOT_ADMIN_USERS", "12, 34 56")
    assert load_settings().admin_users == frozenset({12, 34, 56})
    monkeypatch.setenv("COVERAGE_BOT_ADMIN_USERS", "me")
    with pytest.raises(SettingsError) as refused:
        load_settings()
    assert str(refused.value) == (
        "COVERAGE_BOT_ADMIN_USERS must be user ids (whole numbers) separated by commas or "
        "spaces, not 'me'"
    )
    assert Settings.model_fields["admin_users"].default == frozenset()
