"""What a member is told when something fails unexpectedly: one line in plain words;
the log has the rest (never a traceback in Discord)."""

from __future__ import annotations

import discord

UNEXPECTED = "Something went wrong while answering that; it has been logged. Please try again."
CHANGED = (
    "This command has changed since your Discord app loaded it; reload Discord "
    "(Ctrl+R, or restart the app) and try again."
)


async def tell_privately(interaction: discord.Interaction, message: str) -> None:
    """``message`` to the member: the response, or a follow-up once it was given. After a
    public "thinking…" (``/ask``, ``/summary``) Discord shows that follow-up in its place,
    to everyone: it says only that something failed."""
    if interaction.response.is_done():
        await interaction.followup.send(message, ephemeral=True)
    else:
        await interaction.response.send_message(message, ephemeral=True)
