"""How many questions a member may ask: at most a server's rate in any period of its
length, counted as questions arrive, with a turn given back for a question the bot
stayed quiet on (chatter in an ask channel), and "slow down" said once a wait.

discord.py's ``CooldownMapping`` counts a use that cannot be given back, and a question
can only be told apart from chatter once it has been searched; so the turns are kept
here, as the times they were taken.
"""

from __future__ import annotations

import time
from collections import deque

Member = tuple[int | None, int]
"""A member in a server: (server id, or None for a DM; user id)."""

KEPT_MEMBERS = 10_000
"""Members remembered before those with nothing left to remember are forgotten."""


class QuestionLimits:
    """Per member, the times of the questions counted in the current period."""

    def __init__(self) -> None:
        self._asked: dict[Member, deque[float]] = {}
        self._told_until: dict[Member, float] = {}

    def take(self, member: Member, rate: int, per: float, now: float | None = None) -> float:
        """Count a question, or, when the member has asked ``rate`` in the last ``per``
        seconds, count nothing and return the seconds until they may ask again."""
        now = time.monotonic() if now is None else now
        asked = self._asked.setdefault(member, deque())
        while asked and asked[0] <= now - per:
            asked.popleft()
        if len(asked) >= rate:
            return asked[0] + per - now
        asked.append(now)
        self._forget(now, per)
        return 0.0

    def give_back(self, member: Member) -> None:
        """Uncount the member's latest question: one the bot searched and stayed quiet on."""
        asked = self._asked.get(member)
        if asked:
            asked.pop()

    def first_refusal(self, member: Member, wait: float, now: float | None = None) -> bool:
        """Whether this is the first question refused to the member in this wait: one
        "slow down" a wait, not one for every message of a flood (which would double it,
        and spend the channel's send rate that others' answers need)."""
        now = time.monotonic() if now is None else now
        if self._told_until.get(member, 0.0) > now:
            return False
        self._told_until[member] = now + wait
        return True

    def _forget(self, now: float, per: float) -> None:
        """Past KEPT_MEMBERS, drop the members with no question in the period and no wait."""
        if len(self._asked) + len(self._told_until) < KEPT_MEMBERS:
            return
        self._asked = {m: a for m, a in self._asked.items() if a and a[-1] > now - per}
        self._told_until = {m: t for m, t in self._told_until.items() if t > now}
