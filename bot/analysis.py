"""Text to index terms, the same for passages and questions.

The steps, in order:

1. Unicode NFKC, typographic quotes and apostrophes made plain, and Latin accents
   dropped, so that "Khāmeneī", "Khamenei" and full-width letters meet.
2. Tokens: dotted acronyms (``U.S.``, ``p.m.``), numbers with their separators
   (``5:30``, ``1,000``) and words with inner hyphens or apostrophes (``Al-Assad``).
   A hyphenated word gives the whole and its parts, so "Al Assad" finds "Al-Assad".
3. Acronyms (``U.S.``, ``US``, ``IRGC``) become one lower-case term that is never
   stemmed or stopped: "US" the country is not "us" the pronoun. A name of three or
   more capitalised words also gives its initials ("Federal Aviation Administration"
   gives "faa"), so a question that uses the acronym finds the passage that spells it
   out. In text written all in capitals, capitals say nothing, so there are no acronyms.
4. Lower case, possessive ``'s`` dropped, English stop words dropped (Snowball's
   list plus the filler of questions), Snowball (Porter 2) stemming.

A question's terms are searched with their other spellings in news style (see
:func:`spellings`): "governor" finds "Gov. Ellen Marsh". Passages are indexed as written.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache
from itertools import chain

import Stemmer

ANALYZER_NAME = "english-snowball-v1"
"""Names these rules; an index built by other rules must not be searched with these."""

# Snowball's English stop word list (snowballstem.org/algorithms/english/stop.txt),
# plus "us", which that list says is safe to drop in lower case: "U.S." and "US" are
# acronyms (step 3) and never reach the stop list.
_SNOWBALL_STOP_WORDS = """
i me my myself we us our ours ourselves you your yours yourself yourselves he him his himself
she her hers herself it its itself they them their theirs themselves what which who whom
this that these those am is are was were be been being have has had having do does did
doing would should could ought i'm you're he's she's it's we're they're i've you've we've
they've i'd you'd he'd she'd we'd they'd i'll you'll he'll she'll we'll they'll isn't
aren't wasn't weren't hasn't haven't hadn't doesn't don't didn't won't wouldn't shan't
shouldn't can't cannot couldn't mustn't let's that's who's what's here's there's when's
where's why's how's a an the and but if or because as until while of at by for with about
against between into through during before after above below to from up down in out on
off over under again further then once here there when where why how all any both each
few more most other some such no nor not only own same so than too very
"""
# Words that frame a question rather than say what it is about.
_QUESTION_FILLER = """
tell know many much happen happened happens say says said can will did please anything
something thing things
"""
STOP_WORDS = frozenset((_SNOWBALL_STOP_WORDS + _QUESTION_FILLER).split())

_TOKEN = re.compile(  # no groups: findall then returns plain strings, which is faster
    r"(?:[A-Za-z]\.){2,}"  # acronyms: U.S. p.m. U.N.
    r"|\d+(?:[:.,]\d+)*"  # numbers: 5:30 1,000 2.5 2020
    r"|\w+(?:['-]\w+)*"  # words: Al-Assad IRGC's don't (plain \w: the fast class)
)
# Three or more capitalised words, perhaps joined by "of", "for", "the", "and", "on".
# "[A-Z](?<!\w[A-Z])" is "\b[A-Z]" written so that re's scan can skip to capitals.
_NAME = re.compile(r"[A-Z](?<!\w[A-Z])[a-z]+(?:\s+(?:(?:of|for|the|and|on)\s+)?[A-Z][a-z]+){2,}")
_PLAIN = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "‐": "-", "‑": "-", "–": "-"})
_LATIN_ACCENTS = re.compile("[\u0300-\u036f]")
_POSSESSIVE = re.compile(r"'s$", re.IGNORECASE)


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def word_stems(words: Sequence[str]) -> list[str]:
    """The stem of each plain lower-case word, one for one (stop words too, though the
    index has none): what looking many spellings of one word up at once needs."""
    return _stemmer().stemWords(words)


def normalize(text: str) -> str:
    """NFKC text with plain quotes and hyphens and no Latin accents."""
    if text.isascii():  # nothing to fold: the common case, kept cheap
        return text
    decomposed = unicodedata.normalize("NFKD", text.translate(_PLAIN))
    return unicodedata.normalize("NFKC", _LATIN_ACCENTS.sub("", decomposed))


def analyze(text: str) -> list[str]:
    """The index terms of ``text`` as a bag: repeats kept (BM25 counts them), order not."""
    text = normalize(text).replace("_", " ")  # "_" is emphasis or a separator, not a letter
    acronyms_allowed = not _is_shouting(text)
    terms: list[str] = []
    if acronyms_allowed:
        terms.extend(filter(None, map(_initials, _NAME.findall(text))))
    # No token spans whitespace, so the text's whitespace-separated pieces ("Iran's",
    # "missiles,") can be looked up whole; news text repeats them.
    remembered = _PIECE_TERMS[acronyms_allowed]
    terms.extend(chain.from_iterable(map(remembered.__getitem__, text.split())))
    if len(remembered) > _PIECE_CACHE_LIMIT:
        remembered.clear()
    return terms


class _PieceTerms(dict[str, tuple[str, ...]]):
    """A piece's terms, worked out the first time the piece is looked up and remembered.

    They depend only on the piece and on whether capitals mean acronyms, so there is one
    table for each; remembering makes tokenising a large corpus several times faster.
    """

    def __init__(self, acronyms_allowed: bool) -> None:
        super().__init__()
        self.acronyms_allowed = acronyms_allowed

    def __missing__(self, piece: str) -> tuple[str, ...]:
        terms = tuple(
            term
            for token in _TOKEN.findall(piece)
            for term in _terms_of_token(token, self.acronyms_allowed)
        )
        self[piece] = terms
        return terms


_PIECE_TERMS = {allowed: _PieceTerms(allowed) for allowed in (True, False)}
_PIECE_CACHE_LIMIT = 500_000
"""A table is cleared when it grows past this many pieces."""


def _terms_of_token(token: str, acronyms_allowed: bool) -> tuple[str, ...]:
    if token[0].isdigit():
        return (token,)
    if token.endswith(".") and token[1:2] == ".":
        return (token.replace(".", "").casefold(),)
    word = _POSSESSIVE.sub("", token)
    if acronyms_allowed and len(word) >= 2 and word.isalpha() and word.isupper():
        return (word.casefold(),)
    folded = word.casefold()
    parts = folded.split("-")
    candidates = [folded, *parts] if len(parts) > 1 else [folded]
    kept = [p for p in candidates if len(p) > 1 and p not in STOP_WORDS]
    return tuple(_stemmer().stemWords(kept))


def _initials(name: str) -> str:
    """ "faa" for "Federal Aviation Administration"; "" when fewer than three words remain
    after a leading stop word ("The ...")."""
    words = [w for w in name.split() if w[0].isupper()]
    if words[0].casefold() in STOP_WORDS:
        words = words[1:]
    return "".join(w[0] for w in words).casefold() if len(words) >= 3 else ""


_ACRONYM = re.compile(r"\b[A-Z]{2,6}\b")
_LEADING_ARTICLE = re.compile(r"^(?:The|A|An)\s+")


def acronyms_spelled_out(question: str, texts: Iterable[str]) -> str:
    """``question`` with each acronym that ``texts`` never write as such, but whose
    initials are those of one name in them, written as that name: "What did the FTC
    decide?", against a passage on "the Federal Trade Commission", reads "What did the
    Federal Trade Commission decide?". The index links the two by their initials (see
    :func:`analyze`); a model reading the question beside the passage does not: the answer
    check all but ruled it out (a logit of -5.9, against -0.2 spelled out). An acronym
    the texts use themselves ("the National Football League (NFL)") is left as asked,
    and so is one they give two names (the question would seem to name either)."""
    asked = set(_ACRONYM.findall(question))
    if not asked or _is_shouting(question):
        return question
    names: dict[str, set[str]] = {}
    for text in texts:
        asked -= set(_ACRONYM.findall(text))
        for name in _NAME.findall(text):
            initials = _initials(name).upper()
            if initials in asked:
                names.setdefault(initials, set()).add(_LEADING_ARTICLE.sub("", name))
    spelled = {acronym: found.pop() for acronym, found in names.items() if len(found) == 1}

    def written(acronym: re.Match[str]) -> str:
        return spelled[acronym[0]] if acronym[0] in asked and acronym[0] in spelled else acronym[0]

    return _ACRONYM.sub(written, question) if spelled else question


def _is_shouting(text: str) -> bool:
    """True for text of three words or more with no lower-case letter."""
    return text.isupper() and len(text.split(None, 2)) == 3


# News style (the AP's) shortens a title before a name, "Gov. Ellen Marsh", while a reader
# asks about "the governor": to a question, both are one word. Only titles whose stem is
# theirs alone: "senator" stems as "Senate" does, "representative" as "represent",
# "general" as "generally", "commander" as "command", "admiral" as "admire".
_TITLES = {
    "governor": "Gov.",
    "lieutenant": "Lt.",
    "colonel": "Col.",
    "captain": "Capt.",
    "sergeant": "Sgt.",
    "reverend": "Rev.",
    "doctor": "Dr.",
    "superintendent": "Supt.",
    "professor": "Prof.",
    "attorney": "Atty.",
}


@lru_cache(maxsize=1)
def _spellings() -> dict[str, tuple[str, ...]]:
    table: dict[str, tuple[str, ...]] = {}
    for word, short in _TITLES.items():
        [long_term], [short_term] = analyze(word), analyze(short)
        table[long_term] = (long_term, short_term)
        table[short_term] = (short_term, long_term)
    return table


_TITLE_BEFORE_NAME = re.compile(
    r"\b(" + "|".join(short[:-1] for short in _TITLES.values()) + r")\.(?=\s+[A-Z])"
)
_SPELLED_OUT = {short[:-1]: word.capitalize() for word, short in _TITLES.items()}


def spelled_out(text: str) -> str:
    """Text with the titles before names written out ("Governor Ellen Marsh"), for the
    models, which read "Gov." as little like "governor" as BM25 does."""
    return _TITLE_BEFORE_NAME.sub(lambda match: _SPELLED_OUT[match[1]], text)


def spellings(term: str) -> tuple[str, ...]:
    """The term and its other spellings in news style, the term first: ("governor",
    "gov") for "governor" and ("gov", "governor") for "Gov."; most terms have none."""
    return _spellings().get(term, (term,))
