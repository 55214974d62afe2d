""" "Helpful" / "Not helpful" under an answer: one vote per member, kept in the question log.

The buttons are a :class:`discord.ui.DynamicItem`: the custom_id names the question (by
its Discord id) and the vote, so any bot process on the same database handles a click,
after a restart too, with no view kept in memory.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import discord

from bot.discord_bot.failures import UNEXPECTED, tell_privately
from bot.state.database import StateUnavailable

log = logging.getLogger(__name__)

VOTE_ROW = 1
"""The answer's own buttons take the first row; the vote the second."""
THANKS = {
    True: "Thanks for the feedback: you found this answer helpful.",
    False: "Thanks for the feedback: you found this answer not helpful.",
}
GONE = "That answer is not in the log (deleted since, or never logged), so the vote was not kept."
UNAVAILABLE = "Your vote could not be saved just now; please try again later."


class VoteButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"vote:(?P<question>[0-9]{1,20}):(?P<helpful>[01])",
):
    def __init__(self, question: int, helpful: bool) -> None:
        super().__init__(
            discord.ui.Button(
                label="Helpful" if helpful else "Not helpful",
                style=discord.ButtonStyle.success if helpful else discord.ButtonStyle.secondary,
                custom_id=f"vote:{question}:{int(helpful)}",
                row=VOTE_ROW,
            )
        )
        self.question = question
        self.helpful = helpful

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str]
    ) -> VoteButton:
        return cls(int(match["question"]), match["helpful"] == "1")

    async def callback(self, interaction: discord.Interaction) -> None:
        """Deferred at once: finding the question may wait for its logging to finish and
        for another writer, longer than the three seconds Discord waits for a reply."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        state = interaction.client.state  # type: ignore[attr-defined]
        try:
            question_id = await state.question_id(self.question)
            kept = question_id is not None and await state.questions.vote(
                question_id, interaction.user.id, self.helpful
            )
        except StateUnavailable as error:
            log.warning("vote not saved: %s", error)
            await interaction.followup.send(UNAVAILABLE, ephemeral=True)
            return
        except Exception:  # discord.py would only log it: the voter is told too
            log.exception("vote on question %s failed", self.question)
            await tell_privately(interaction, UNEXPECTED)
            return
        await interaction.followup.send(THANKS[self.helpful] if kept else GONE, ephemeral=True)


def vote_buttons(question: int) -> tuple[VoteButton, VoteButton]:
    return VoteButton(question, True), VoteButton(question, False)
