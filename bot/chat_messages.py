"""Whether a chat message is for the bot: a question (where it listens unaddressed) or
small talk (where it is addressed, but nothing is asked).

People ask in chat as they talk: "Any update on the FAA?!", "FAA restrictions? 🤔",
"Hey, what did the FAA do", "**What** did the FAA do", "Tell me more about the strike".
They also thank it, greet it and say "ok 👍", which no search should answer.
"""

from __future__ import annotations

import re

from bot.answer import DISCORD_MARKUP

_QUESTION_OPENERS = frozenset(
    """who what when where why how which whose whom is are was were do does did can could
    will would should has have had tell explain describe summarize summarise""".split()  # noqa: SIM905 - a word list reads best as words
)
"""Words a question or a request to the bot opens with."""
_WH_WORDS = frozenset("who what when where why how".split())  # noqa: SIM905
_INTERJECTIONS = frozenset(
    "hey hi hello ok okay so and um uh well please pls also yo quick question".split()  # noqa: SIM905
)
"""Words said before a question ("Hey, what did ...", "ok so how many ..."): passed over."""
_SMALL_TALK = frozenset(
    """thanks thank you thx ty tysm cheers appreciated appreciate it ok okay k kk cool great
    nice good awesome perfect wow lol lmao haha hah hi hello hey yo bye goodbye morning night
    evening sure yes yeah yep no nope np gotcha got alright right makes sense that that's
    thats very much so bot""".split()  # noqa: SIM905
)
"""Words of thanks, greeting and assent: a message of only these asks nothing."""
MAX_SMALL_TALK_WORDS = 6
_MARKDOWN = re.compile(r"[*_~`|>]+")
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


def _plain(text: str) -> str:
    """The message without Discord markup or markdown, in lower case."""
    return _MARKDOWN.sub(" ", DISCORD_MARKUP.sub(" ", text)).casefold()


def looks_like_question(text: str) -> bool:
    """Whether a chat message reads as a question: it ends with "?" (emoji and "!" after
    it aside), or it opens, after a "hey" or "ok so", with a question word or a
    request ("tell", "explain"). Used where the bot listens without being addressed."""
    plain = _plain(text)
    if _ends_with_question_mark(plain):
        return True
    words = [_before_apostrophe(word) for word in _WORD.findall(plain)]
    while words and words[0] in _INTERJECTIONS:
        words = words[1:]
    return bool(words) and words[0] in _QUESTION_OPENERS


def _ends_with_question_mark(text: str) -> bool:
    """Whether the last mark is "?", "!", emoji and spaces after it aside ("FAA
    restrictions? 🤔", "Any update?!"); one pass from the end."""
    for ch in reversed(text):
        if ch == "?":
            return True
        if ch.isalnum():
            return False
    return False


def _before_apostrophe(word: str) -> str:
    """ "What's" is "what" asking, "who’s" is "who"; "can't" and "could've" stay as they
    are ("Can't wait for the game" asks nothing)."""
    stem = re.split(r"['’]", word, maxsplit=1)[0]
    return stem if stem in _WH_WORDS else word


def is_small_talk(text: str) -> bool:
    """Whether the message only thanks, greets or agrees ("thanks!", "hi", "ok 👍"):
    nothing in it to search for. One with no words at all is not small talk: a member
    who asked with emoji alone is told there is nothing to search for."""
    words = _WORD.findall(_plain(text))
    return 0 < len(words) <= MAX_SMALL_TALK_WORDS and all(word in _SMALL_TALK for word in words)
