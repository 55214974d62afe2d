"""Registering slash commands with Discord without hitting its rate limits.

With ``DISCORD_GUILD_ID`` set, commands are synced to that guild at every start:
guild commands update at once, which suits development and single-server use.
Otherwise commands are global, and a global sync happens only when the command set
changed since the last one (a fingerprint kept in the state folder) or when asked
for with ``coverage-bot sync``.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import TYPE_CHECKING

import discord

from bot.file_modes import replace_file

if TYPE_CHECKING:
    from bot.discord_bot.client import CoverageBot

log = logging.getLogger(__name__)

FINGERPRINT_FILE = "global-commands.sha256"


def command_fingerprint(bot: CoverageBot) -> str:
    """A hash of the global commands as Discord would receive them."""
    payload = sorted(
        (c.to_dict(bot.tree) for c in bot.tree.get_commands()), key=lambda c: c["name"]
    )
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


async def sync_commands(bot: CoverageBot, *, force: bool = False) -> None:
    """Sync to the configured guild, or globally when the commands changed or ``force``."""
    guild_id = bot.settings.discord_guild_id
    if guild_id is not None:
        guild = discord.Object(id=guild_id)
        bot.tree.copy_global_to(guild=guild)
        synced = await bot.tree.sync(guild=guild)
        log.info("synced %d commands to guild %s", len(synced), guild_id)
        return
    fingerprint = command_fingerprint(bot)
    stored = bot.settings.state_dir / FINGERPRINT_FILE
    if not force and stored.is_file() and stored.read_text().strip() == fingerprint:
        log.info("global commands unchanged since the last sync; not syncing")
        return
    synced = await bot.tree.sync()
    stored.parent.mkdir(parents=True, exist_ok=True)
    replace_file(stored, fingerprint)
    log.info("synced %d global commands (they can take a while to appear)", len(synced))
