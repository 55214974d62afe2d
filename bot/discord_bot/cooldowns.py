"""How many questions a member may ask: at most a server's rate in any period of its
length, and "slow down" said once a wait.

Where the bot was addressed, a question is counted as it arrives. In an ask channel only
an answer the bot posts is counted, since chatter can only be told from a question once
it has been searched: the member's turns are looked at as the message arrives (one over
the limit is not searched), and one is taken once there is an answer. discord.py's
``CooldownMapping`` has no way to look without counting, so the turns are kept here, as
the times they were taken.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field

Member = tuple[int | None, int]
"""A member in a server: (server id, or None for a DM; user id)."""

KEPT_MEMBERS = 10_000
"""Members remembered before those with nothing left to remember are forgotten."""


@dataclass
class _Turns:
    per: float
    times: deque[float] = field(default_factory=deque)


class QuestionLimits:
    """Per member, the times of the questions counted in the current period."""

    def __init__(self) -> None:
        self._asked: dict[Member, _Turns] = {}
        self._told_until: dict[Member, float] = {}
        self._forget_at = KEPT_MEMBERS

    def wait(self, member: Member, rate: int, per: float, now: float | None = None) -> float:
        """The seconds until the member may ask again (0: now), counting nothing."""
        now = time.monotonic() if now is None else now
        turns = self._asked.get(member)
        if turns is None:
            return 0.0
        turns.per = per
        while turns.times and turns.times[0] <= now - per:
            turns.times.popleft()
        if len(turns.times) < rate:
            return 0.0
        # The turn that must leave the period before one is free (after a server lowers
        # its rate, more than ``rate`` may still be in it).
        return turns.times[len(turns.times) - rate] + per - now

    def take(self, member: Member, rate: int, per: float, now: float | None = None) -> float:
        """Count a question, or, when the member has asked ``rate`` in the last ``per``
        seconds, count nothing and return the seconds until they may ask again."""
        now = time.monotonic() if now is None else now
        wait = self.wait(member, rate, per, now)
        if wait:
            return wait
        self._asked.setdefault(member, _Turns(per)).times.append(now)
        self._forget(now)
        return 0.0

    def first_refusal(self, member: Member, wait: float, now: float | None = None) -> bool:
        """Whether this is the first question refused to the member in this wait: one
        "slow down" a wait, not one for every message of a flood (which would double it,
        and spend the channel's send rate that others' answers need)."""
        now = time.monotonic() if now is None else now
        if self._told_until.get(member, 0.0) > now:
            return False
        self._told_until[member] = now + wait
        self._forget(now)
        return True

    def _forget(self, now: float) -> None:
        """Past KEPT_MEMBERS (and then past twice as many as were left), drop the members
        with no question in their own server's period and no wait."""
        if len(self._asked) + len(self._told_until) < self._forget_at:
            return
        self._asked = {
            m: t for m, t in self._asked.items() if t.times and t.times[-1] > now - t.per
        }
        self._told_until = {m: t for m, t in self._told_until.items() if t > now}
        self._forget_at = max(KEPT_MEMBERS, 2 * (len(self._asked) + len(self._told_until)))
