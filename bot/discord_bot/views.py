"""Buttons under the bot's messages: paging through an answer's results and through pages.

Views only navigate; what a page shows comes from :mod:`bot.discord_bot.formatting`.
They answer only the member they were made for, and disable themselves when they
time out, since Discord would otherwise show buttons that no longer respond.
"""

from __future__ import annotations

import logging
import re
import secrets
import weakref
from typing import Any

import discord

from bot.answer import Answer
from bot.discord_bot.failures import UNEXPECTED, tell_privately
from bot.discord_bot.feedback import VoteButton, vote_buttons
from bot.discord_bot.formatting import answer_embed, article_pages

log = logging.getLogger(__name__)

NOT_YOURS = "These buttons belong to the person who asked; ask your own question with `/ask`."
EXPIRED = "These buttons have expired; ask or run the command again."
NO_PINGS = discord.AllowedMentions.none()

_VIEWS: weakref.WeakSet[OwnedView] = weakref.WeakSet()
"""This process's views (a view never sent is dropped, and so leaves the set): a view
lives in memory, so a button of none that is still running (from before a restart, or
timed out) has nothing to answer it but :class:`ExpiredButton`."""


class OwnedView(discord.ui.View):
    """A view that only its owner may press, and that greys out its buttons on timeout."""

    def __init__(self, owner_id: int, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id
        self.message: discord.Message | discord.InteractionMessage | None = None
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.custom_id = f"view:{secrets.token_hex(8)}"
        _VIEWS.add(self)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message(NOT_YOURS, ephemeral=True)
        return False

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item
    ) -> None:
        """A button that failed: logged in full, and the member told in one line (without
        a response Discord would show "This interaction failed")."""
        log.error("button %r failed", getattr(item, "label", item), exc_info=error)
        await tell_privately(interaction, UNEXPECTED)

    async def on_timeout(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True
        if self.message is not None:
            try:
                await self.message.edit(view=self)
            except discord.HTTPException as error:  # deleted, or the token expired
                log.info("could not disable buttons on message %s: %s", self.message.id, error)


class AnswerView(OwnedView):
    """Under an answer: "Next result" cycles through the ranking, for whoever asked;
    "Whole article" shows the current result's article to whoever presses it, privately."""

    def __init__(
        self,
        answer: Answer,
        owner_id: int,
        timeout: float,
        *,
        votes_for: tuple[discord.Client, int] | None = None,
    ) -> None:
        """``votes_for``: the client and the question's Discord id, for vote buttons."""
        super().__init__(owner_id, timeout)
        self.answer = answer
        self.position = 0
        self.client = votes_for[0] if votes_for else None
        if len(answer.results) < 2:
            self.remove_item(self.next_result)
        if votes_for is not None:
            for button in vote_buttons(votes_for[1]):
                self.add_item(button)

    async def on_timeout(self) -> None:
        # A view that stops takes its dynamic items' patterns out of discord.py's store
        # (ViewStore.remove_view), which would leave every answer's votes unanswered.
        if self.client is not None:
            self.client.add_dynamic_items(VoteButton)
        await super().on_timeout()

    @discord.ui.button(label="Next result", style=discord.ButtonStyle.secondary)
    async def next_result(
        self, interaction: discord.Interaction, _: discord.ui.Button[AnswerView]
    ) -> None:
        self.position = (self.position + 1) % len(self.answer.results)
        await interaction.response.edit_message(
            embed=answer_embed(self.answer, self.position), view=self
        )

    @discord.ui.button(label="Whole article", style=discord.ButtonStyle.secondary)
    async def whole_article(
        self, interaction: discord.Interaction, _: discord.ui.Button[AnswerView]
    ) -> None:
        article = self.answer.results[self.position].ref.article
        pages = article_pages(article)
        await send_pages(interaction, pages, interaction.user.id, self.timeout or 0, ephemeral=True)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Anyone may read the article (only they see it); the rest is the asker's."""
        data = interaction.data or {}
        if data.get("custom_id") == self.whole_article.custom_id:
            return True
        return await super().interaction_check(interaction)


class PageView(OwnedView):
    """Previous and next buttons over a list of embeds."""

    def __init__(self, pages: list[discord.Embed], owner_id: int, timeout: float) -> None:
        super().__init__(owner_id, timeout)
        self.pages = pages
        self.page = 0
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.previous_page.disabled = self.page == 0
        self.next_page.disabled = self.page == len(self.pages) - 1

    async def _show(self, interaction: discord.Interaction) -> None:
        self._update_buttons()
        await interaction.response.edit_message(embed=self.pages[self.page], view=self)

    @discord.ui.button(label="Previous", style=discord.ButtonStyle.secondary)
    async def previous_page(
        self, interaction: discord.Interaction, _: discord.ui.Button[PageView]
    ) -> None:
        self.page = max(0, self.page - 1)
        await self._show(interaction)

    @discord.ui.button(label="Next", style=discord.ButtonStyle.secondary)
    async def next_page(
        self, interaction: discord.Interaction, _: discord.ui.Button[PageView]
    ) -> None:
        self.page = min(len(self.pages) - 1, self.page + 1)
        await self._show(interaction)


async def send_pages(
    interaction: discord.Interaction,
    pages: list[discord.Embed],
    owner_id: int,
    timeout: float,
    *,
    ephemeral: bool,
) -> None:
    """Answer an interaction with the first page, and page buttons when there are more."""
    if len(pages) == 1:
        await interaction.response.send_message(
            embed=pages[0], ephemeral=ephemeral, allowed_mentions=NO_PINGS
        )
        return
    view = PageView(pages, owner_id, timeout)
    sent = await interaction.response.send_message(
        embed=pages[0], view=view, ephemeral=ephemeral, allowed_mentions=NO_PINGS
    )
    if isinstance(sent.resource, discord.InteractionMessage):
        view.message = sent.resource


class ExpiredButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"view:[0-9a-f]{16}",
):
    """Any view button: one whose view is gone (from before a restart, or timed out
    where greying its buttons out failed, as it does once an interaction's 15-minute
    token has expired) greys out its message's view buttons and says why: without a
    reply Discord would show "This interaction failed", and the buttons would stay
    pressable for good. A live view's button is its view's to answer."""

    def __init__(self, custom_id: str) -> None:
        super().__init__(discord.ui.Button(custom_id=custom_id))
        self.custom_id = custom_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str]
    ) -> ExpiredButton:
        return cls(match[0])

    async def callback(self, interaction: discord.Interaction) -> None:
        if interaction.message is None or _running(self.custom_id):  # discord.py gives a message
            return
        buttons = discord.ui.View.from_message(interaction.message, timeout=None)
        for item in buttons.children:
            if isinstance(item, discord.ui.Button) and ExpiredButton.matches(item):
                item.disabled = True
        buttons.stop()  # only a picture of the buttons: not a view for discord.py to keep
        await interaction.response.edit_message(view=buttons)
        await interaction.followup.send(EXPIRED, ephemeral=True)

    @staticmethod
    def matches(button: discord.ui.Button[Any]) -> bool:
        """Whether ``button`` is a view's button, not a vote or a link."""
        return button.custom_id is not None and button.custom_id.startswith("view:")


def _running(custom_id: str) -> bool:
    """Whether a view of this process that has not timed out has the button."""
    return any(
        not view.is_finished()
        and any(getattr(item, "custom_id", None) == custom_id for item in view.children)
        for view in list(_VIEWS)
    )
