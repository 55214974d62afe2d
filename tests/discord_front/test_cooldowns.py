"""The per-member question limit, on a clock the test sets."""

from __future__ import annotations

import pytest

from bot.discord_bot import cooldowns
from bot.discord_bot.cooldowns import QuestionLimits

MEMBER = (1, 42)


def test_looking_counts_nothing_and_taking_counts_to_the_rate() -> None:
    limits = QuestionLimits()
    assert limits.wait(MEMBER, 2, 60.0, now=0.0) == 0.0
    assert [limits.take(MEMBER, 2, 60.0, now=t) for t in (0.0, 1.0, 2.0)] == [0.0, 0.0, 58.0]
    assert limits.take(MEMBER, 2, 60.0, now=60.5) == 0.0  # the first turn has left the period


def test_a_lowered_rate_waits_for_enough_turns_to_leave_the_period() -> None:
    limits = QuestionLimits()
    for t in range(5):
        limits.take(MEMBER, 5, 60.0, now=float(t))
    assert limits.wait(MEMBER, 2, 60.0, now=10.0) == 53.0  # until the 4th of 5 turns leaves
    assert limits.first_refusal(MEMBER, 53.0, now=10.0)
    assert not limits.first_refusal(MEMBER, 1.0, now=61.0)  # still the same wait: told once
    assert limits.take(MEMBER, 2, 60.0, now=63.5) == 0.0


def test_forgetting_members_keeps_each_servers_own_period(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cooldowns, "KEPT_MEMBERS", 3)
    limits = QuestionLimits()
    assert limits.take((9, 1), 1, 86_400.0, now=0.0) == 0.0  # a strict server
    for user in range(2, 6):  # a busy one with a short period: members forgotten past 3
        limits.take((8, user), 3, 30.0, now=100.0 + user)
    assert limits.take((9, 1), 1, 86_400.0, now=200.0) == 86_200.0
