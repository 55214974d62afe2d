"""One place where slash-command errors become a private message in plain words.

Order: a failed permission check says which permission is missing; a command for the
people who run the bot says so; a channel from
another server (or one the bot cannot see) is named as such; any other check
failure says the command can't be used here; anything unexpected is logged in full
and the member gets a short apology. The reply is a follow-up when the interaction
was already answered (deferred), else the response.
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_bot.checks import NOT_OPERATOR, NotOperator
from bot.discord_bot.client import CoverageBot
from bot.discord_bot.failures import CHANGED, UNEXPECTED, tell_privately

log = logging.getLogger(__name__)

NOT_HERE = "That channel is not in this server, or the bot cannot see it."


def describe(error: app_commands.AppCommandError) -> str | None:
    """Words for the member for an error they can do something about, else None."""
    if isinstance(error, app_commands.MissingPermissions):
        needed = ", ".join(
            p.replace("_", " ").replace("guild", "server") for p in error.missing_permissions
        )
        return f"You need the {needed.title()} permission to use this command."
    if (
        isinstance(error, app_commands.TransformerError)
        and error.type is discord.AppCommandOptionType.channel
    ):
        return NOT_HERE
    if isinstance(error, NotOperator):
        return NOT_OPERATOR
    if isinstance(
        error,
        app_commands.CommandNotFound
        | app_commands.CommandSignatureMismatch
        | app_commands.TransformerError,
    ):
        return CHANGED  # a client with an older command set: retrying cannot help
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command only works in a server."
    if isinstance(error, app_commands.CheckFailure):
        return "You can't use this command here."
    return None


class Errors(commands.Cog):
    def __init__(self, bot: CoverageBot) -> None:
        self.bot = bot
        bot.tree.error(self.on_app_command_error)

    async def on_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        message = describe(error)
        if message is None:
            command = interaction.command.name if interaction.command else "?"
            log.error("command /%s failed", command, exc_info=error)
            message = UNEXPECTED
        await tell_privately(interaction, message)


async def setup(bot: CoverageBot) -> None:
    await bot.add_cog(Errors(bot))
