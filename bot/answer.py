"""A question in, an answer out: the best passage and its article, or a plain "not covered".

The same answers serve the terminal and Discord; neither front end ranks anything.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from bot.analysis import analyze
from bot.corpus import CorpusView, PassageRef
from bot.examples import example_question
from bot.index import BM25Index, IndexLoadError
from bot.sentences import split_sentences

MAX_QUESTION_CHARS = 1000
DEFAULT_RESULTS = 3

MIN_QUERY_COVERAGE = 0.32
"""Share of the question's weight (see :meth:`Answerer.query_coverage`) that the best
passage must match for the bot to answer; below it the coverage has no answer.
Calibrated on ``tests/data/questions.jsonl``: there, off-topic questions reach at
most 0.30 and answerable ones that rank a right passage first at least 0.33."""

_DISCORD_MARKUP = re.compile(
    r"<a?:(?P<emoji>\w+):\d+>"  # custom emoji: keep its name
    r"|</?[@#&!:\w]*\d+>"  # <@123> <@!123> <@&123> <#123> </ask:123> <t:1578441600:R>
    r"|@(?:everyone|here)\b"
)
_SPACE = re.compile(r"\s+")
_QUESTION_OPENERS = frozenset(
    """who what when where why how which whose whom is are was were do does did can could
    will would should has have had""".split()  # noqa: SIM905 - a word list reads best as words
)


class QuestionError(ValueError):
    """A question that cannot be searched; the message is for the person who asked."""


@dataclass(frozen=True)
class Hit:
    """A passage the retriever found, with its BM25 score."""

    ref: PassageRef
    score: float


@dataclass(frozen=True)
class Answer:
    """What the bot says to a question.

    ``best`` is None when nothing in the coverage answers; ``results`` is the ranking
    either way (best first), so a reader can see what came closest.
    """

    question: str
    best: Hit | None
    sentence: str | None
    results: tuple[Hit, ...]


Example = Callable[[], str | None] | None
"""Where a message that asks for a better question gets its example, asked only then."""


def clean_question(raw: str, example: Example = None) -> str:
    """The question as plain text, or QuestionError saying what is wrong with it (and
    suggesting ``example``, a question the loaded coverage answers).

    Mentions, channel links and ``@everyone`` are markup, not words; control and
    format characters are dropped.
    """
    text = _DISCORD_MARKUP.sub(lambda m: m["emoji"] or " ", raw)
    text = "".join(
        " " if ch.isspace() else ch
        for ch in text
        if ch.isspace() or unicodedata.category(ch) not in {"Cc", "Cf", "Co", "Cs"}
    )
    text = _SPACE.sub(" ", text).strip()
    if not text:
        raise QuestionError("Ask a question about the coverage" + _for_example(example))
    if len(text) > MAX_QUESTION_CHARS:
        raise QuestionError(
            f"That question is {len(text):,} characters long; "
            f"please keep it under {MAX_QUESTION_CHARS:,}."
        )
    return text


def question_terms(question: str, example: Example = None) -> tuple[str, list[str]]:
    """The cleaned question and its terms, or QuestionError when there is nothing to search."""
    text = clean_question(question, example)
    terms = analyze(text)
    if not terms:
        raise QuestionError(
            "That question has no words to search for; ask it in words" + _for_example(example)
        )
    return text, terms


def _for_example(example: Example) -> str:
    question = example() if example is not None else None
    return f", for example: {question}" if question else "."


def looks_like_question(text: str) -> bool:
    """Whether a chat message reads as a question: it ends with "?" or opens with a
    question word. Used where the bot listens without being addressed."""
    words = _DISCORD_MARKUP.sub(" ", text).strip()
    first = re.match(r"\w+", words.casefold())
    return words.endswith("?") or (first is not None and first[0] in _QUESTION_OPENERS)


def passage_terms(ref: PassageRef) -> list[str]:
    """What the index sees of a passage: its article's headline and the passage in context."""
    return analyze(f"{ref.article.headline}\n{ref.passage.standalone}")


class Answerer:
    """Answers questions from one corpus and the index built over its passages."""

    def __init__(self, corpus: CorpusView, index: BM25Index | None = None) -> None:
        self.corpus = corpus
        self.index = index or BM25Index.build(passage_terms(ref) for ref in corpus.passages)
        if self.index.size != len(corpus.passages):
            raise ValueError("the index was not built from this corpus")

    @cached_property
    def example_question(self) -> str | None:
        """A question this coverage answers, for messages that suggest one (none when the
        article it would come from cannot be read)."""
        try:
            return example_question(self.corpus)
        except IndexLoadError:
            return None

    def check(self, question: str) -> tuple[str, list[str]]:
        """The cleaned question and its terms; QuestionError, with an example from this
        coverage, when it cannot be searched."""
        return question_terms(question, lambda: self.example_question)

    def answer(self, question: str, results: int = DEFAULT_RESULTS) -> Answer:
        """The best passage for ``question`` and the next few, or a decline."""
        text, terms = self.check(question)
        scored = self.index.search(terms, max(1, results))
        hits = tuple(Hit(self.corpus.passages[s.number], s.score) for s in scored)
        if not hits or self.query_coverage(terms, hits[0].ref.number) < MIN_QUERY_COVERAGE:
            return Answer(text, None, None, hits)
        return Answer(text, hits[0], self.best_sentence(hits[0].ref, terms), hits)

    def query_coverage(self, terms: list[str], number: int) -> float:
        """The share of the question's weight that passage ``number`` contains.

        Each distinct query term weighs its idf, ln(1 + (N - n + 0.5) / (n + 0.5))
        (Lucene's always-positive BM25 idf), and a term the coverage never uses weighs
        the most, so "the capital of France" is not answered by a passage about
        "capital" alone.
        """
        weights = {term: self._idf(term) for term in set(terms)}
        matched = sum(w for term, w in weights.items() if self.index.contains(number, term))
        return matched / sum(weights.values())

    def best_sentence(self, ref: PassageRef, terms: list[str]) -> str:
        """The sentence of the passage that matches the question best (the first of equals)."""
        sentences = split_sentences(ref.passage.body) or [ref.passage.body]
        wanted = set(terms)
        return max(
            sentences,
            key=lambda sentence: sum(self._idf(t) for t in wanted.intersection(analyze(sentence))),
        )

    def _idf(self, term: str) -> float:
        n, total = self.index.document_frequency(term), self.index.size
        return math.log(1 + (total - n + 0.5) / (n + 0.5))
