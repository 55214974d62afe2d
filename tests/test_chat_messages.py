"""Which chat messages are questions, and which are thanks or greetings."""

from __future__ import annotations

import pytest

from bot.chat_messages import is_small_talk, looks_like_question


@pytest.mark.parametrize(
    "typed",
    [
        "Did the FAA restrict flights?",
        "Any update on the FAA restriction?!",
        "FAA airspace restriction? 🤔",
        "**What** did the FAA do",
        "Hey, what did the FAA do",
        "ok so how many missiles were there",
        "Tell me about the strike",
        "<@123> explain the FAA part",
        "What's the FAA restriction",
        "who’s in charge of the talks",
    ],
)
def test_questions_as_people_type_them(typed: str) -> None:
    assert looks_like_question(typed)


@pytest.mark.parametrize(
    "typed",
    [
        "lol nice",
        "The FAA did that.",
        "Going to lunch",
        "The vote passed? No, it failed.",
        "Can't wait for the game tonight",
        "Should've known",
        "Will's car is parked outside",
    ],
)
def test_statements_are_not_questions(typed: str) -> None:
    assert not looks_like_question(typed)


@pytest.mark.parametrize(
    "typed", ["thanks!", "hi", "ok 👍", "Thank you so much!", "good bot", "<@123> thx"]
)
def test_thanks_greetings_and_assent_are_small_talk(typed: str) -> None:
    assert is_small_talk(typed)


@pytest.mark.parametrize(
    "typed", ["🚀🔥", "", "thanks, what did the FAA do?", "Explain the FAA part", "no injuries?"]
)
def test_a_question_or_a_message_of_no_words_is_not_small_talk(typed: str) -> None:
    assert not is_small_talk(typed)
