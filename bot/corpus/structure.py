"""From the blocks of an article's body to passages that make sense shown alone.

Every format (scraped pages, Markdown, JSON Lines) reduces its body to a list of
:class:`Block`; :func:`assemble_passages` then applies the same rules to all of them:
labels (``Why it matters:``) are kept apart from the text, a quote takes the
attribution line that follows it (``— Trump on Twitter``), and a bullet carries
the sentence it leans on (its parent paragraph, or the bullet before it when it
only says "he said").
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from urllib.parse import urlsplit

from bot.analysis import STOP_WORDS
from bot.corpus.dates import parse_date
from bot.corpus.records import Passage, PassageKind
from bot.sentences import split_sentences


class BlockKind(StrEnum):
    PARAGRAPH = "paragraph"
    BULLET = "bullet"
    ATTRIBUTION = "attribution"
    HEADING = "heading"
    ROW = "row"
    """A table's row, its cells named by their columns: read as written, never as a label."""


@dataclass(frozen=True)
class Block:
    """One line-level unit of an article body; ``depth`` is the bullet level (1 = top), or
    a heading's level."""

    kind: BlockKind
    text: str
    depth: int = 0


@dataclass(frozen=True)
class ParsedArticle:
    """An article as one file shows it, before articles seen in several files are merged."""

    headline: str
    passages: tuple[Passage, ...]
    date: dt.date | None = None
    updated: bool = False
    caption: str | None = None
    source: str = ""
    url: str | None = None
    file: str = ""
    """The corpus file it was read from (relative to the corpus): ``source`` is the
    publication when the file names one, so updates find a file's articles by this."""


class CorpusFormatError(ValueError):
    """A file, or a line of one, that cannot be read as coverage; ``line`` is 1-based."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class FormatNote:
    """Something wrong in a file that was read anyway (an assumed encoding, a missing
    date, a url left out): the user is told, and the article still loads."""

    message: str
    line: int | None = None


def optional_text(value: object, key: str, line: int | None = None) -> str | None:
    """A value meant to be text (a headline, a source, a url), in every format alike: None
    when missing or blank, a number or a date as written; a list, a mapping or a yes/no is
    a mistake, and the article is skipped rather than shown with a mangled value."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float | dt.date):
        kind = {list: "a list", dict: "a mapping", bool: "true/false"}.get(
            type(value), type(value).__name__
        )
        raise CorpusFormatError(f"{key} must be text, not {kind}", line=line)
    return collapse_whitespace(str(value)) or None


def article_date(
    value: object, key: str, add: str, line: int | None = None
) -> tuple[dt.date | None, list[FormatNote]]:
    """An article's date, in every format alike: a missing or blank one loads the article
    undated with a note saying how to ``add`` one; one that is not a date ("2025-13-45")
    loads it undated too, with a note naming the value: a typo in a date must not take a
    whole article out of the answers, nor be guessed into another day."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, [FormatNote(f"no date, so the article is undated ({add})", line)]
    try:
        return parse_date(value), []
    except ValueError as error:
        return None, [FormatNote(f"{key}: {error}; the article is loaded undated", line)]


MAX_URL_CHARS = 2048
"""The longest url kept: Discord refuses a longer embed link, and browsers struggle."""


def is_web_url(url: str) -> bool:
    """Whether ``url`` is one to show as a link: http(s), a host, no spaces or control
    characters, at most :data:`MAX_URL_CHARS` long. Never raises, whatever the text."""
    if not url or len(url) > MAX_URL_CHARS:
        return False
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:  # a malformed address, such as an unclosed "[" in the host
        return False
    return parts.scheme.lower() in {"http", "https"} and bool(parts.netloc)


def web_url(url: str | None, line: int | None = None) -> tuple[str | None, list[FormatNote]]:
    """The url if :func:`is_web_url` takes it; any other (``javascript:``, ``file:``, one
    with spaces) is left out with a note, since front ends turn it into a link people
    click."""
    if url is None or is_web_url(url):
        return url, []
    shown = url if len(url) <= 60 else f"{url[:60]}…"
    return None, [FormatNote(f"url {shown!r} left out: not an http(s) address", line)]


# "Why it matters: ...", "Pentagon statement: ...": a short capitalised phrase before a colon.
_LABEL = re.compile(r"^(?P<label>[A-Z][^:.!?\"“”\d]{0,48}):(?:\s+(?P<rest>\S.*))?$", re.DOTALL)
_MAX_LABEL_WORDS = 5
# Labels of links to other articles: such a paragraph, the list after a bare one
# ("Related:"), and the list under such a heading, are links, not text.
_LINK_LABELS = frozenset(
    {
        "related",
        "related stories",
        "related articles",
        "related coverage",
        "related links",
        "read more",
        "read also",
        "also read",
        "see also",
        "more coverage",
        "more stories",
        "more on this story",
        "recommended reading",
        "go deeper",
        "sponsored content",
        "paid content",
    }
)
# Labels whose paragraphs are about the page, not the news: those, a note to readers, a
# photo's caption or credit, the page's tags. A bullet keeps such a label ("Photos: 48
# residents sent videos" in a list of figures).
_NOT_CONTENT_LABELS = _LINK_LABELS | {
    "editor's note",
    "editor’s note",
    "photo",
    "photos",
    "photograph",
    "image",
    "caption",
    "photo credit",
    "advertisement",
    "tags",
}
# Lines that are page furniture whatever their label: a byline ("By Dana Whitcombe and
# Tomás Echeverría | Courier staff", "By Ana de la Cruz and Tom O'Brien Jr.", not "By
# Tuesday, the agency had ..."), a copyright line, an advertisement's marker, a newsletter
# or share prompt, a wire credit.
_WORD_OF_NAME = r"[A-ZÀ-Þ][\w'’.-]+"
_NAME = (
    rf"{_WORD_OF_NAME}(?:\s+(?:(?:de|del|la|le|van|von|der|da|di|du|bin|al)\s+)*{_WORD_OF_NAME})+"
    r"(?:,?\s+(?:Jr|Sr)\.?|\s+I{2,3})?"
)
# After the names, what says whose staff they are: capitalised words and these; an email.
_DESK = (
    r"(?:[A-ZÀ-Þ][\w'’.-]*|staff|writers?|reporters?|correspondents?|contributors?|editors?"
    r"|to|the|of|for|and|[\w.+-]+@[\w.-]+)"
)
_BYLINE = re.compile(
    rf"^(?:By|Story by|Written by)\s+(?!(?i:the numbers)$){_NAME}(?:\s*(?:,|and|&)\s*{_NAME})*"
    rf"(?:\s*[,|/—–•·-]\s*{_DESK}(?:\s+{_DESK}){{0,6}})*\.?$"
    r"|^(?:By\s+)?(?i:staff and wire reports|staff reports?|wire reports?)\.?$"
)
_FURNITURE = re.compile(
    # "© Reuters", "(c) 2025 Gannett", "Copyright 2025 The Courier. All rights reserved."
    r"^©\s*\S.{0,150}$|^\(c\)\s*\d{4}\b.{0,150}$"
    r"|^Copyright\s*©?\s*\d{4}(?:\s*[-–]\s*\d{4})?,?\s+(?-i:[A-Z])[^.]{0,80}\.?"
    r"(?:\s*All rights reserved\.?)?$"
    r"|^Copyright\s+(?:©\s*)?(?-i:[A-Z][\w&'’.-]*)(?:\s+(?-i:[A-Z][\w&'’.-]*)){0,5}"
    r"(?:\s+\d{4})?\.?$"
    r"|(?:^|\.\s+)(?-i:All rights reserved)\.?$"
    r"|^Advertisement:?$|^Story continues below(?: advertisement)?\.?$"
    r"|^This (?:story|article|post) (?:has been|was) updated\.?$"
    r"|^(?:Last )?updated:?\s+(?:at\s+)?\d{1,2}(?::\d\d)?\s*[ap]\.?m\.?(?:\s+[A-Z]{2,4})?\.?$"
    r"|\bSign up for our\b[^.]{0,60}\bnewsletters?\b[^.]{0,60}\.?$"
    r"|^Share (?:this (?:article|story|post)|on (?:Facebook|X|Twitter)\b.*)$"
    r"|^(?:[—―–]\s*)?(?:With |Additional )?reporting by\b.{0,120}$"
    r"|^(?:The\s+)?[A-Z][\w.&' ]{0,40}\bcontributed to this (?:report|story)\.?$",
    re.IGNORECASE,
)
# A wire photo's credit ending its caption, however long the caption:
# "... (AP Photo/Jens Åkerlund)", "(Photo by Jill Ortega/Getty Images)".
_PHOTO_CREDIT = re.compile(
    r"\((?:AP|Reuters|AFP|Getty Images|[A-Z][\w.]* )?\s*Photo(?:graph)?(?:\s+by\s+[^)/]{1,60})?"
    r"\s*/[^)]{1,80}\)\.?$"
)
_MAX_CAPTION_WORDS = 120
_MAX_FURNITURE_WORDS = 25

_BULLET = re.compile(r"^(?P<indent>[ \t]*)[•▪◦‣∙*-][ \t]+(?P<text>\S.*)$")
_ATTRIBUTION = re.compile(r"^\s*(?:[—―–]|--)\s*(?P<who>\S.*)$")
# A quote whose only speaker is a pronoun: '"...," he said.' A paragraph that names
# anyone ("Mayor Angela Brandt greeted drivers. '...,' she said"), or has a speaker
# other than a pronoun ("Patel said he expects", "the director said", "said Kessler"),
# is about them, not about whoever the paragraph before it names.
_SPEECH_VERBS = ("said", "says", "added", "told", "wrote", "noted", "argued", "warned")
_VERBS = "|".join(_SPEECH_VERBS)
_PRONOUN_SPEAKER = re.compile(rf"\b(?:he|she|they)\s+(?:{_VERBS})\b", re.IGNORECASE)
_BEFORE_VERB = re.compile(rf"([\w’'-]+),?\s+(?:{_VERBS})\b", re.IGNORECASE)
# Pronouns, conjunctions and auxiliaries ("he", "and", "had" said) are the analyzer's stop
# words already; a few adverbs are not.
_NOT_A_SPEAKER = STOP_WORDS | {"also", "later", "first"}
_CALENDAR = (
    "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April|"
    "May|June|July|August|September|October|November|December"
)
_SPEAKER_AFTER = re.compile(
    rf"\b(?:said|says|added|wrote|noted|argued|warned)\s+(?!(?:He|She|They|It|{_CALENDAR})\b)[A-Z]"
)
_OPENERS = "The|A|An|In|On|At|But|And|For|If|When|After|Before|As|By|Of|To|This|That|It"
_PRONOUNS = "He|She|They|We|I"
_PERSON = re.compile(rf"\b(?!(?:{_OPENERS}|{_PRONOUNS})\b)[A-Z][a-z]+(?: [A-Z]\.)? [A-Z][a-z]+")
# A capitalised word and a verb in the past or the present ("Whitfield blamed", "argues").
_NAME_AND_VERB = re.compile(r"(?P<name>[A-Z][a-z]+)\s+(?P<verb>[a-z]+(?:ed|s))\b")
_NOT_A_NAME = frozenset(f"{_OPENERS}|{_CALENDAR}|{_PRONOUNS}".split("|"))


def has_pronoun_speaker(text: str) -> bool:
    """Whether the text's speaker is only "he", "she" or "they" ('"...," he said.'): it
    says so and names nobody else who could be the speaker."""
    lowered = text.casefold()
    mentions_speech = any(map(lowered.__contains__, _SPEECH_VERBS))  # cheap test first
    return (
        mentions_speech
        and bool(_PRONOUN_SPEAKER.search(text))
        and not _other_speaker(text)
        and not _SPEAKER_AFTER.search(text)
        and not _PERSON.search(text)
        and not _named_subject(text)
    )


def _named_subject(text: str) -> bool:
    """Whether the paragraph opens with a name and its verb ("Whitfield blamed the gap on
    costs that she said ..."): the pronoun is then that person, not someone before. An
    opening phrase is not a name: "Asked whether ...", "Speaking to reporters, ...",
    "Outside the courthouse, ...", "Now she says"."""
    opening = _NAME_AND_VERB.match(text)
    if opening is None or opening["name"] in _NOT_A_NAME:
        return False
    name, verb = opening["name"].casefold(), opening["verb"].casefold()
    return (
        name not in _NOT_A_SPEAKER
        and not name.endswith(("ly", "ed", "ing"))
        and verb not in _NOT_A_SPEAKER
    )


def _other_speaker(text: str) -> bool:
    """Whether someone other than a pronoun speaks: "Patel said", "the director said",
    not "he also said" or "and added" (nor an adverb: "quietly said")."""
    return any(
        word.casefold() not in _NOT_A_SPEAKER and not word.casefold().endswith("ly")
        for word in _BEFORE_VERB.findall(text)
    )


def collapse_whitespace(text: str) -> str:
    """Runs of whitespace as one space, ends stripped."""
    return " ".join(text.split())


def classify_line(line: str) -> Block | None:
    """A line of plain article text as a block; None for a blank line."""
    if not line.strip():
        return None
    if bullet := _BULLET.match(line):
        indent = len(bullet["indent"].expandtabs(4))
        return Block(BlockKind.BULLET, collapse_whitespace(bullet["text"]), 1 + indent // 4)
    if (attribution := _ATTRIBUTION.match(line)) and _names_a_speaker(attribution["who"]):
        return Block(BlockKind.ATTRIBUTION, collapse_whitespace(attribution["who"]))
    return Block(BlockKind.PARAGRAPH, collapse_whitespace(line))


_TIME_FIRST = re.compile(r"\d{1,2}(?::\d\d)?\s*[ap]\.?m\.?", re.IGNORECASE)
_REPORTING = re.compile(r"(?:With |Additional )?reporting by\b", re.IGNORECASE)


def _names_a_speaker(who: str) -> bool:
    """Whether what follows a dash names who spoke ("— Trump on Twitter", "— Rosa Delgado,
    union president"): not a dash that goes on with a sentence ("— the district's oldest
    building —"), a live blog's time ("— 3:15 p.m.: Investigators said ...") or a credit."""
    return (
        who[:1].isupper()
        and not _TIME_FIRST.match(who)
        and not _REPORTING.match(who)  # "— With reporting by Lena Ortiz": a credit
    )


def continues_paragraph(line: str) -> bool:
    """Whether a line of text goes on with the paragraph above it (a hard-wrapped one):
    any line but one that starts with a dash and a capital or a number ("— 3:15 p.m.:
    ...", "— With reporting by ..."), which starts its own; "— the district's oldest
    building —" goes on."""
    dash = _ATTRIBUTION.match(line)
    return dash is None or dash["who"][:1].islower()


def blocks_from_text(text: str) -> list[Block]:
    """The blocks of a plain-text body.

    Blank lines end a paragraph; a bullet or "— who" line starts a block of its own; any
    other line continues the paragraph or bullet above it, so hard-wrapped text reads right
    (see :func:`continues_paragraph`).
    """
    blocks: list[Block] = []
    open_block = False
    for line in text.splitlines():
        block = classify_line(line)
        if block is None:
            open_block = False
        elif block.kind is BlockKind.PARAGRAPH and open_block and continues_paragraph(line):
            blocks[-1] = replace(blocks[-1], text=f"{blocks[-1].text} {block.text}")
        else:
            blocks.append(block)
            open_block = block.kind is not BlockKind.ATTRIBUTION
    return blocks


def table_rows(rows: list[list[str]], header: list[str] | None = None) -> list[Block]:
    """A table as one paragraph a row, each cell named by its column's heading ("Date:
    March 12, 2024; Event: First memo warns ..."), so that a row reads, and is found,
    alone; empty rows are left out."""
    blocks = []
    for cells in rows:
        named = [
            f"{header[n]}: {cell}" if header and n < len(header) and header[n] else cell
            for n, cell in enumerate(map(collapse_whitespace, cells))
            if cell
        ]
        if named:
            blocks.append(Block(BlockKind.ROW, "; ".join(named)))
    return blocks


def split_label(text: str) -> tuple[str | None, str]:
    """``("Why it matters", "rest")`` for a labelled text, ``(None, text)`` otherwise.

    A bare label (``What they're saying:``) comes back as ``(label, "")``.
    """
    match = _LABEL.match(text)
    if not match or len(match["label"].split()) > _MAX_LABEL_WORDS:
        return None, text
    return match["label"].strip(), (match["rest"] or "").strip()


_QUOTE_MARK = re.compile(r'(?<!\d)"')
"""A straight double quote that is not an inch mark (6'2", a 12" pipe)."""


def _continues_quote(before: Passage, text: str) -> bool:
    """Whether ``text`` goes on with a quotation the paragraph before left open, naming no
    speaker of its own: news style opens each paragraph of a long quote with a quotation
    mark and closes only the last, so the speaker is named in the first."""
    if text[:1] not in '"“' or _other_speaker(text) or _SPEAKER_AFTER.search(text):
        return False
    said = before.text
    return said.count("“") > said.count("”") or len(_QUOTE_MARK.findall(said)) % 2 == 1


def speaks_through_lead_in(passages: Sequence[Passage], position: int) -> bool:
    """Whether the passage at ``position`` carries a sentence of a passage before it, the
    one that says who speaks (its own speaker is only "he" or "she", or it goes on with a
    quotation left open, lists between them or not); not the question of its heading,
    which no passage holds, and under which it reads on its own."""
    lead_in = passages[position].lead_in
    return lead_in is not None and any(lead_in in p.standalone for p in passages[:position])


def _speaker_sentence(passage: Passage) -> str | None:
    """The sentence that says who spoke the passage's quotation ('"...," Nguyễn said.'):
    its own, or the one it was given as a continued quotation; None if neither says."""
    for sentence in [*(split_sentences(passage.body) or [passage.body]), passage.lead_in or ""]:
        if any(map(sentence.casefold().__contains__, _SPEECH_VERBS)):
            return sentence
    return None


def _first_sentence(passage: Passage) -> str:
    sentences = split_sentences(passage.body)
    return sentences[0] if sentences else passage.body


_MAX_HEADLINE_WORDS = 15


def _linked_headline(block: Block) -> bool:
    """Whether a paragraph reads as a link's headline ("Council race heats up"), as the
    lines under "Related:" do when they are not a list: short, and no sentence's end."""
    text = block.text.rstrip()
    return (
        block.kind is BlockKind.PARAGRAPH
        and len(text.split()) <= _MAX_HEADLINE_WORDS
        and ":" not in text  # "Final: Rockets 104, Suns 99 (OT)" is news
        and not text.endswith((".", "!", "?", '"', "”", "…", ")"))
    )


def is_page_furniture(text: str) -> bool:
    """Whether a paragraph is about the page, not the news: a byline, a copyright line,
    an advertisement's marker, a newsletter or share prompt, a wire credit, a wire
    photo's caption."""
    if _PHOTO_CREDIT.search(text):
        return len(text.split()) <= _MAX_CAPTION_WORDS
    if len(text) > 16 * _MAX_FURNITURE_WORDS:  # most paragraphs: no need to count words
        return False
    return len(text.split()) <= _MAX_FURNITURE_WORDS and bool(
        _BYLINE.match(text) or _FURNITURE.search(text)
    )


def assemble_passages(blocks: list[Block]) -> tuple[Passage, ...]:
    """The passages of an article body, each with the context it needs to stand alone.

    Page furniture is left out (see :func:`is_page_furniture`, and labels such as
    ``Related:`` with the links after them, or the links under a ``Related`` heading), a
    question heading ("Will my care be affected?") leads in to the passage under it, whose
    "No." answers it, and a quotation continued from the paragraph before keeps the
    sentence that names its speaker."""
    passages: list[Passage] = []
    # The latest passage at each depth (0 = paragraph); None after a bare label.
    latest: dict[int, Passage | None] = {}
    # The depth of a bare "Related:" (or a "Related" heading: 0) whose list is skipped.
    skipped_list: int | None = None
    asked: str | None = None  # a question heading not yet given to a passage
    for block in blocks:
        if block.kind is BlockKind.ATTRIBUTION and passages and not passages[-1].attribution:
            passages[-1] = replace(passages[-1], attribution=block.text)
            continue
        if block.kind is BlockKind.HEADING:
            latest = {0: None}
            heading = block.text.rstrip(":").strip()
            skipped_list = 0 if heading.casefold() in _LINK_LABELS else None
            asked = heading if heading.endswith("?") else None
            continue
        depth = block.depth if block.kind is BlockKind.BULLET else 0
        if skipped_list is not None:
            if depth > skipped_list or _linked_headline(block):
                continue
            skipped_list = None
        row = block.kind is BlockKind.ROW  # "Photo: ...; Credit: ..." is a table's, not a label
        label, text = (None, block.text) if row else split_label(block.text)
        if label and label.casefold() in _NOT_CONTENT_LABELS:
            link = label.casefold() in _LINK_LABELS
            if not text and link:
                skipped_list = depth
            if link or block.kind is not BlockKind.BULLET:
                continue
        if not row and is_page_furniture(block.text):
            continue
        if not text:
            latest = {k: v for k, v in latest.items() if k < depth}
            latest[depth] = None
            continue
        first, *rest = _pieces(text)
        passage = Passage(text=first, label=label, kind=_kind_of(block, text))
        if has_pronoun_speaker(first):
            before = latest.get(depth) or latest.get(depth - 1)
            passage = replace(passage, lead_in=_first_sentence(before) if before else None)
        before = latest.get(depth)
        if passage.lead_in is None and before is not None and _continues_quote(before, first):
            passage = replace(passage, lead_in=_speaker_sentence(before))
        if asked is not None and passage.lead_in is None:
            passage = replace(passage, lead_in=asked)
        asked = None
        passages.append(passage)
        passages.extend(Passage(text=piece, kind=passage.kind) for piece in rest)
        latest = {k: v for k, v in latest.items() if k < depth}
        latest[depth] = passages[-1]
    return tuple(passages)


MAX_PASSAGE_CHARS = 5_000
"""A paragraph longer than this (a transcript with no blank lines, a wall of text) is
taken as several passages of at most this many characters, cut after a sentence where
one ends in the second half: splitting sentences, the models and the bold sentence cost
more than in proportion to a passage's length (a 1.2 MB paragraph took over five
minutes a question). Every paragraph of the bundled coverage, the question sets and
SQuAD part A is shorter."""
_PIECE_END = re.compile(r"[.!?…][\"'”’)\]]*\s+")


def _pieces(text: str) -> list[str]:
    """``text`` in pieces of at most MAX_PASSAGE_CHARS, cut after a sentence's end in the
    second half of each, else after a word, else where the limit falls."""
    pieces: list[str] = []
    start = 0
    while len(text) - start > MAX_PASSAGE_CHARS:
        window = text[start : start + MAX_PASSAGE_CHARS]
        ends = [found.end() for found in _PIECE_END.finditer(window, MAX_PASSAGE_CHARS // 2)]
        space = window.rfind(" ", MAX_PASSAGE_CHARS // 2)
        cut = ends[-1] if ends else space + 1 if space >= 0 else MAX_PASSAGE_CHARS
        pieces.append(window[:cut].strip())
        start += cut
    pieces.append(text[start:].strip())
    return [piece for piece in pieces if piece]


def _kind_of(block: Block, text: str) -> PassageKind:
    if block.kind is BlockKind.BULLET:
        return PassageKind.BULLET
    return PassageKind.QUOTE if text[:1] in '"“' else PassageKind.PARAGRAPH
