"""``/settings``: a server's admins see and change how the bot behaves in their server.

Every reply is private. Only the server the command is used in is read or changed, and
a change applies to the next message (the Ask cog reads the settings for each one).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_bot.client import CoverageBot
from bot.discord_bot.formatting import MESSAGE_CONTENT_LIMIT, fit
from bot.state.database import StateUnavailable
from bot.state.guild_config import NO_CHANNEL, DamagedSetting, GuildConfig, range_error

log = logging.getLogger(__name__)

UNAVAILABLE = (
    "The bot's settings database is unavailable just now, so every server gets the "
    "default settings; try again later."
)
DAMAGED = (
    "A setting stored for this server was changed outside the bot into one it cannot use, "
    "so this server gets the default settings for now; any `/settings` change puts the "
    "damaged one back to its default."
)
Setting = Literal["ask channels", "threads", "cooldown", "results", "announce channel", "feedback"]
FIELDS_OF: dict[str, tuple[str, ...]] = {
    "ask channels": ("ask_channels",),
    "threads": ("threads",),
    "cooldown": ("cooldown_rate", "cooldown_seconds"),
    "results": ("results",),
    "announce channel": ("announce_channel",),
    "feedback": ("feedback",),
}


InServer = Callable[[int], bool]
Changes = Callable[[GuildConfig, InServer], dict[str, Any]]


def _in_server(guild: discord.Guild | None) -> InServer:
    """Whether a channel id is one of ``guild``'s channels (any, when it is not cached)."""
    if guild is None:
        return lambda channel_id: True
    return lambda channel_id: guild.get_channel(channel_id) is not None


SHOWN_CHANNELS = 40
"""Ask channels listed by name at most; the rest are counted, so the reply stays within
Discord's 2,000 characters however many a server (or the operator's default) has."""


def settings_text(config: GuildConfig, own: dict[str, Any], in_server: InServer) -> str:
    """The server's settings, one a line, each marked as its own or the default. Only
    channels of this server are named: the operator's defaults may list other servers'."""

    def where(setting: str) -> str:
        return "set here" if any(f in own for f in FIELDS_OF[setting]) else "default"

    ask_channels = sorted(c for c in config.ask_channels if in_server(c))
    channels = ", ".join(f"<#{c}>" for c in ask_channels[:SHOWN_CHANNELS]) or "none"
    if len(ask_channels) > SHOWN_CHANNELS:
        channels += f" and {len(ask_channels) - SHOWN_CHANNELS} more"
    announcing = config.announce_channel and in_server(config.announce_channel)
    announce = f"<#{config.announce_channel}>" if announcing else "nowhere"
    lines = [
        f"Ask channels: {channels} ({where('ask channels')})",
        f"Answer in threads: {'on' if config.threads else 'off'} ({where('threads')})",
        f"Cooldown: {config.cooldown_rate} question{'' if config.cooldown_rate == 1 else 's'} "
        f"per {config.cooldown_seconds:g} s "
        f"per member ({where('cooldown')})",
        f"Results per answer: {config.results} ({where('results')})",
        f"Announce new articles in: {announce} ({where('announce channel')})",
        f"Helpful / Not helpful buttons: {'on' if config.feedback else 'off'} "
        f"({where('feedback')})",
    ]
    return "\n".join(lines)


class ServerSettings(commands.Cog):
    settings = app_commands.Group(
        name="settings",
        description="How the bot behaves in this server",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, bot: CoverageBot) -> None:
        self.bot = bot

    async def _change(
        self,
        interaction: discord.Interaction,
        values: dict[str, Any] | Changes | None = None,
        unchanged: str = "",
    ) -> None:
        """Check and store the server's new values (or those worked out from its current
        settings, in the same transaction), then show its settings; ``unchanged`` is said
        when there was nothing to store. Deferred before the database is asked: behind
        another writer it may take longer than the three seconds Discord waits."""
        if isinstance(values, dict):
            wrong = [e for name, value in values.items() if (e := range_error(name, value))]
            if wrong:
                await interaction.response.send_message(wrong[0], ephemeral=True)
                return
        await interaction.response.defer(ephemeral=True, thinking=True)
        configs = self.bot.state.configs
        guild_id = interaction.guild_id
        assert guild_id is not None  # the group is guild_only
        in_server = _in_server(interaction.guild)
        try:
            if configs is None:
                raise StateUnavailable("the state database is not open")
            if values is None:
                config, saved = await configs.get(guild_id), {}
            elif callable(values):
                changes = values
                config, saved = await configs.update(guild_id, lambda c: changes(c, in_server))
            else:
                fixed = values
                config, saved = await configs.update(guild_id, lambda _: fixed)
            own = await configs.own(guild_id)
        except StateUnavailable as error:
            log.warning("/settings in guild=%s: %s", guild_id, error)
            damaged = isinstance(error, DamagedSetting)
            await interaction.followup.send(DAMAGED if damaged else UNAVAILABLE, ephemeral=True)
            return
        if saved:
            log.info("settings changed guild=%s %s", guild_id, ",".join(sorted(saved)))
        said = "Saved; it applies to the next question.\n" if saved else unchanged
        await interaction.followup.send(
            fit(said + settings_text(config, own, in_server), MESSAGE_CONTENT_LIMIT),
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    @settings.command(name="show", description="This server's settings")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def show(self, interaction: discord.Interaction) -> None:
        await self._change(interaction)

    @settings.command(name="ask-channel", description="Answer every question in a channel, or stop")
    @app_commands.describe(action="add or remove", channel="the channel")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def ask_channel(
        self,
        interaction: discord.Interaction,
        action: Literal["add", "remove"],
        channel: discord.TextChannel,
    ) -> None:
        # discord.py resolves the channel in this server only (errors.py tells the rest).
        def changed(config: GuildConfig, in_server: InServer) -> dict[str, Any]:
            # The operator's default may name other servers' channels: not copied here.
            channels = {c for c in config.ask_channels if in_server(c)}
            if (channel.id in channels) == (action == "add"):
                return {}  # nothing to change: the operator's default stays the default
            (channels.add if action == "add" else channels.discard)(channel.id)
            return {"ask_channels": frozenset(channels)}

        already = "already" if action == "add" else "not"
        said = f"<#{channel.id}> is {already} an ask channel here; nothing changed.\n"
        await self._change(interaction, changed, unchanged=said)

    @settings.command(name="threads", description="Answer questions in a new thread")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def threads(self, interaction: discord.Interaction, on: bool) -> None:
        await self._change(interaction, {"threads": on})

    @settings.command(
        name="cooldown", description="How many questions a member may ask, per period"
    )
    @app_commands.describe(questions="questions per period (1 or more)", seconds="the period")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def cooldown(
        self, interaction: discord.Interaction, questions: int, seconds: float
    ) -> None:
        await self._change(interaction, {"cooldown_rate": questions, "cooldown_seconds": seconds})

    @settings.command(name="results", description="How many ranked passages an answer lists")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def results(self, interaction: discord.Interaction, count: int) -> None:
        await self._change(interaction, {"results": count})

    @settings.command(name="announce", description="Where new articles are announced")
    @app_commands.describe(channel="the channel; leave it out to announce nowhere")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def announce(
        self, interaction: discord.Interaction, channel: discord.TextChannel | None = None
    ) -> None:
        # Nowhere is a setting of its own (NO_CHANNEL), not the default: a server may turn
        # off announcements the operator's COVERAGE_BOT_ANNOUNCE_CHANNEL would make.
        chosen = channel.id if channel else NO_CHANNEL
        await self._change(interaction, {"announce_channel": chosen})

    @settings.command(name="feedback", description="Helpful / Not helpful buttons under answers")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def feedback(self, interaction: discord.Interaction, on: bool) -> None:
        await self._change(interaction, {"feedback": on})

    @settings.command(name="reset", description="Put one setting back to the bot's default")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def reset(self, interaction: discord.Interaction, setting: Setting) -> None:
        await self._change(interaction, dict.fromkeys(FIELDS_OF[setting]))


async def setup(bot: CoverageBot) -> None:
    await bot.add_cog(ServerSettings(bot))
