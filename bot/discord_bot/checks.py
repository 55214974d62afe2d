"""Who may do what beyond a server's own permissions.

The coverage is shared by every server the bot is in, so changing it (``/reload``, and
anything else that does) is for the people who run the bot: the application's owner or
its team members (``Bot.is_owner``) and the users ``COVERAGE_BOT_ADMIN_USERS`` names, not
any server's admins.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import discord
from discord import app_commands

T = TypeVar("T")

NOT_OPERATOR = (
    "Only the people who run the bot can do that: it changes the coverage every server shares."
)


class NotOperator(app_commands.CheckFailure):
    """A member who does not run the bot asked to change what every server shares."""


async def runs_the_bot(interaction: discord.Interaction) -> bool:
    """The application's owner or a team member, or a configured admin user."""
    bot: Any = interaction.client
    if interaction.user.id in bot.settings.admin_users:
        return True
    return bool(await bot.is_owner(interaction.user))


def operators_only() -> Callable[[T], T]:
    """A command check: NotOperator (told privately by errors.py) for anyone else."""

    async def predicate(interaction: discord.Interaction) -> bool:
        if await runs_the_bot(interaction):
            return True
        raise NotOperator(NOT_OPERATOR)

    return app_commands.check(predicate)
