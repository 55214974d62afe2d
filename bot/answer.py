"""A question in, an answer out: the best passage and its article, or a plain "not covered".

The same answers serve the terminal and Discord; neither front end ranks anything.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np

from bot.analysis import acronyms_spelled_out, analyze, spelled_out, spellings
from bot.corpus import CorpusView, PassageRef
from bot.cross_encoder import CrossEncoder
from bot.examples import example_question
from bot.highlight import SentenceCheck, best_sentence
from bot.index import BM25Index, IndexLoadError, ScoredPassage
from bot.rerank import SemanticReranker, passage_sentences
from bot.spelling import read_as
from bot.vector_store import VectorFile

MAX_QUESTION_CHARS = 1000
DEFAULT_RESULTS = 3

DECLINE_SEMANTIC_WEIGHT = 1.0
"""What the best passage's similarity to the question counts in the decline evidence."""
DECLINE_THRESHOLD_SEMANTIC = 0.75
"""With the semantic stage, the answer is declined when the share of the question's
weight the best passage holds plus its closest sentence's similarity is below this.
No one value suits every corpus (with the answer check, the bundled set's calibration
wants 0.737 and SQuAD's 0.961), so ``coverage-bot evaluate --calibrate`` finds a
corpus's own."""

CHECKED = 5
"""How many of the best candidates the answer check reads at most (see CHECK_SURE). On the
three question sets, reading all ten gained about one question in a hundred for twice the
time; six gave SQuAD part A the same hit@1 and MRR (0.858, 0.908) as five."""
CHECK_SURE = 7.0
"""An answer check logit from which the candidate is taken to answer, and the ones after
it are not read: the check reads the candidates best first, so a question often costs it
one model run, not five. Chosen on the logits of every candidate the check read for the four
question sets' answerable questions (all 4,247 of SQuAD part A): at 6, runs per question
4.4 -> 2.6 on the bundled set (median 5 -> 1), 4.98 -> 2.99 on SQuAD (median 2); hit@1 the
same on the bundled and Millbrook sets, one question better on Calder Falls (a later
candidate the check liked more was the wrong one), 0.3 points lower on SQuAD. At 8, no loss
and 3.8 and 4.3 runs. Once a clear lead skips the check (CHECK_SKIP_LEAD), 7 became
affordable: on all of SQuAD part A hit@1 0.858 -> 0.861 and MRR@10 0.908 -> 0.910, every
other set unchanged, and the bundled p50 for a new question 27.3 -> 27.7 ms (the median of
seven alternating runs each)."""
CHECK_SKIP_LEAD = 0.55
"""How far the earlier stages' best candidate must lead the next, on their fused score
with the semantic stage, for the answer check not to run at all, if that candidate also
holds most of the question (CHECK_SKIP_COVERAGE): words and meaning then agree on one
passage, and the check would almost never put another first. Chosen on every candidate's
logit for five question sets (849 SQuAD part A questions): hit@1 and declines unchanged
on each, with 22% of the bundled set's questions and 25% of SQuAD's not checked, model runs
a question 2.6 -> 2.2 and 3.4 -> 2.8; the bundled set's p50 for a new question went from
31 to 26 ms. At 0.4 a bundled question went wrong. A lone candidate is always checked:
its veto is then all that can decline it."""
CHECK_SKIP_COVERAGE = 0.8
"""The share of the question's weight (see :meth:`Answerer.query_coverage`) the leading
candidate must hold for the check to be skipped. Without it, Harlow Springs' "What is the
mayor's position on the budget?" (its budget paragraph leads, with no word of a mayor)
was answered; the check vetoes it."""
CHECK_WINDOW_WORDS = 150
"""Words of a passage the answer check reads at once: with a headline and a question
they stay within the 256 tokens it reads (a news paragraph is 30 to 80 words)."""
CHECK_WINDOWS = 16
"""Windows of one passage it reads at most (2,400 words: longer paragraphs are damage)."""
EARLIER_STAGES_WEIGHT = 3.0
"""What the earlier stages' score (about 0 to 3) is multiplied by before it is added to
the answer check's logit (about -11 to 11) in the final ranking: the check leads, and the
words and meaning BM25 and the semantic stage found still count. On a fifth of SQuAD part
A's questions (849), hit@1 went 0.840 -> 0.849 from 1.0 (where they only broke near ties),
with the bundled, Calder Falls and Millbrook figures unchanged; 2.5 did as well, 4 worse.
On all of part A the gain was smaller: 0.856 -> 0.858."""
CHECK_VETO = -6.0
"""An answer check logit below which the passage does not answer, whatever else it holds
(the model gives it about 1 chance in 400). Measured before choosing it: of the right
first answers, none of the bundled set's 35 scored below it, 1 of Calder Falls' 26 and 2
of 516 on a SQuAD sample; of the questions about articles not in that SQuAD corpus, 104
of 143."""
DECLINE_THRESHOLD_CHECKED = 0.70
"""The decline threshold when the answer check runs: with its veto, the bundled set
declines all 14 off-topic questions and 1 of 36 answerable ones at 0.70 (2 at 0.75)."""

MIN_QUERY_COVERAGE = 0.32
"""Share of the question's weight (see :meth:`Answerer.query_coverage`) that the best
passage must match for the bot to answer; below it the coverage has no answer.
Calibrated on ``tests/data/questions.jsonl``: there, off-topic questions reach at
most 0.30 and answerable ones that rank a right passage first at least 0.33."""

DISCORD_MARKUP = re.compile(
    r"<a?:(?P<emoji>\w{1,32}):\d{1,20}>"  # custom emoji: keep its name
    r"|<(?:@[!&]?|#|t:|/[\w -]{1,100}:)\d{1,20}(?::[tTdDfFR])?>"  # <@1> <#1> </ask:1> <t:1:R>
    r"|@(?:everyone|here)\b"
)
"""Discord's markup in a message, each form bounded and apart from the others, so that a
message of one "<" and 4,000 digits is read in one pass, not one per digit."""
_SPACE = re.compile(r"\s+")
_DROPPED = frozenset({"Cc", "Cf", "Co", "Cs"})
"""Control, format, private-use and surrogate characters: not words, so not kept."""
_ZERO_WIDTH_SPACE = re.compile("\u200b+")
ESCAPE_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves ("\x1b[31m")
    r"|\x1b\][^\x07\x1b]{0,512}(?:\x07|\x1b\\)"  # OSC, ended: window titles, links
)
"""A terminal escape sequence, removed whole (not leaving "[31m" behind). Only whole
sequences that begin with ESC: a lone C1 byte (a Latin-1 file's 0x9D) or an unended one
is dropped as a control character, and the text after it stays."""
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
"""Bidirectional marks, embeddings, overrides and isolates: corpus text shown anywhere
(a terminal, Discord) drops them, so that a file cannot reverse what follows it."""
_WORD = re.compile(r"[^\W\d_][\w'’.-]*")


class QuestionError(ValueError):
    """A question that cannot be searched; the message is for the person who asked."""


@dataclass(frozen=True)
class Hit:
    """A passage the retriever found: ``score`` ranks it (BM25 and, when the semantic
    stage ran, meaning fused, about 0 to 3; for the candidates the answer check read, its
    logit plus three times that, about -11 to 20); ``bm25`` is its BM25 score alone;
    ``similarity`` the cosine similarity of its closest sentence to the question (None
    without that stage)."""

    ref: PassageRef
    score: float
    bm25: float = 0.0
    similarity: float | None = None
    check: float | None = None
    """The answer check's logit that the passage answers the question (None without it)."""


@dataclass(frozen=True)
class RankingWeights:
    """How the stages' evidence adds up to a passage's score: its BM25 score as a share
    of the best candidate's, the share of the question's weight its headline holds, and
    its closest sentence's cosine similarity to the question. Fitted on the three
    question sets README lists (the bundled coverage's, Calder Falls', SQuAD part A)."""

    lexical: float = 1.0
    headline: float = 0.4
    semantic: float = 1.5


CANDIDATES = 10
"""How many BM25 candidates the semantic stage re-ranks. On the three question sets, 20
or 50 gained one right answer in all (a Calder Falls question) for twice the embedding
when nothing is cached."""


@dataclass(frozen=True)
class Ranking:
    """How answers are ranked and declined, whatever corpus is loaded: the semantic stage
    (None: BM25 alone) and the decline threshold (None: the stages' default)."""

    reranker: SemanticReranker | None = None
    threshold: float | None = None
    cross_encoder: CrossEncoder | None = None

    def answerer(
        self,
        corpus: CorpusView,
        index: BM25Index | None = None,
        vectors: VectorFile | None = None,
    ) -> Answerer:
        return Answerer(
            corpus,
            index,
            self.reranker,
            threshold=self.threshold,
            vectors=vectors,
            cross_encoder=self.cross_encoder,
        )


BM25_ONLY = Ranking()
"""BM25 alone with its default threshold: the ranking of tests and of a bot without a model."""


@dataclass(frozen=True)
class Answer:
    """What the bot says to a question.

    ``best`` is None when nothing in the coverage answers; ``results`` is the ranking
    either way (best first), so a reader can see what came closest. ``evidence`` is how
    much of the question the top result answers (see :meth:`Answerer.evidence`): the
    answer is declined below the threshold. ``read_as`` is the question as every stage
    read it when misspelt words were corrected (see :meth:`Answerer.read_as`), so that a
    reader can see why a passage was chosen, or none; None when read as asked.
    """

    question: str
    best: Hit | None
    sentence: str | None
    results: tuple[Hit, ...]
    evidence: float = 0.0
    read_as: str | None = None


Example = Callable[[], str | None] | None
"""Where a message that asks for a better question gets its example, asked only then."""


def _zero_width_spaces(text: str) -> str:
    """Zero-width spaces dropped inside a word ("be\u200bds", a line-break hint pasted from a
    web page) and read as a space where they part words: before a capital
    ("Maple\u200bRidge") or beside anything but a letter. The other format characters
    are dropped (a soft hyphen inside "gov\u00adernor" must not split it)."""

    def replaced(found: re.Match[str]) -> str:
        before = text[found.start() - 1 : found.start()]
        after = text[found.end() : found.end() + 1]
        inside = before.isalpha() and after.isalpha() and not after.isupper()
        return "" if inside else " "

    return _ZERO_WIDTH_SPACE.sub(replaced, text)


def without_markup(raw: str) -> str:
    """What someone typed as plain text, on one line: no terminal escapes, control or
    format characters, mentions, channel links or timestamps (a custom emoji becomes its
    name), as it is searched and as it may be repeated back to them."""
    text = _zero_width_spaces(ESCAPE_SEQUENCE.sub("", raw))
    text = "".join(
        " " if ch.isspace() else ch
        for ch in text
        if ch.isspace() or unicodedata.category(ch) not in _DROPPED
    )
    # After the invisible characters go: "@ever<ZWSP>yone" would otherwise come back whole.
    text = DISCORD_MARKUP.sub(lambda m: m["emoji"] or " ", text)
    return _SPACE.sub(" ", text).strip()


def clean_question(raw: str, example: Example = None) -> str:
    """The question as plain text, or QuestionError saying what is wrong with it (and
    suggesting ``example``, a question the loaded coverage answers).

    Mentions, channel links and ``@everyone`` are markup, not words; control and
    format characters are dropped (see :func:`without_markup`).
    """
    text = without_markup(raw)
    if not text:
        raise QuestionError("Ask a question about the coverage" + _for_example(example))
    if len(text) > MAX_QUESTION_CHARS:
        raise QuestionError(
            f"That question is {len(text):,} characters long; "
            f"please keep it to {MAX_QUESTION_CHARS:,} at most."
        )
    return text


def question_terms(question: str, example: Example = None) -> tuple[str, list[str]]:
    """The cleaned question and its terms, or QuestionError when there is nothing to search."""
    text = clean_question(question, example)
    terms = analyze(text)
    if not terms and _WORD.search(text):  # "What is it?": every word too common to search
        raise QuestionError(
            "That question has no words to search for, only ones too common to tell one "
            "passage from another; name what you want to know" + _for_example(example)
        )
    if not terms:
        raise QuestionError(
            "That question has no words to search for; ask it in words" + _for_example(example)
        )
    return text, terms


def _for_example(example: Example) -> str:
    question = example() if example is not None else None
    return f", for example: {question}" if question else "."


def passage_terms(ref: PassageRef) -> list[str]:
    """What the index sees of a passage: the passage in context, without its headline
    (which would favour every passage of an article alike, the shortest most; the
    headline counts once, in :meth:`Answerer.answer`, for the article)."""
    return analyze(ref.passage.standalone)


class Answerer:
    """Answers questions from one corpus: BM25 finds candidates, the semantic stage (when
    there is one) re-ranks them by meaning, the answer check (when there is one) reads
    the best few with the question and has the last word (unless the earlier stages
    agree on a clear lead: CHECK_SKIP_LEAD), and the answer is declined when the best
    passage holds too little of the question or the check rules it out."""

    def __init__(
        self,
        corpus: CorpusView,
        index: BM25Index | None = None,
        reranker: SemanticReranker | None = None,
        weights: RankingWeights = RankingWeights(),
        threshold: float | None = None,
        vectors: VectorFile | None = None,
        cross_encoder: CrossEncoder | None = None,
    ) -> None:
        self.corpus = corpus
        self.index = index or BM25Index.build(passage_terms(ref) for ref in corpus.passages)
        if self.index.size != len(corpus.passages):
            raise ValueError("the index was not built from this corpus")
        self.reranker = reranker
        self.weights = weights
        self.vectors = vectors
        self.cross_encoder = cross_encoder
        self.threshold = (
            threshold if threshold is not None else default_threshold(reranker, cross_encoder)
        )

    @property
    def ranking(self) -> Ranking:
        """This answerer's stages and threshold, for answering another corpus alike."""
        return Ranking(self.reranker, self.threshold, self.cross_encoder)

    @property
    def stages(self) -> str:
        """The stages that rank, for /about and evaluate: ``BM25`` or ``BM25 + MODEL``."""
        models = (model.name for model in (self.reranker, self.cross_encoder) if model)
        return " + ".join(("BM25", *models))

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
        """The best passage for ``question`` and the next few, or a decline. Every stage
        reads the question with its misspellings corrected (see :meth:`read_as`)."""
        asked, terms = self.check(question)
        text = self.read_as(asked)
        corrected = None if text == unicodedata.normalize("NFKC", asked) else text
        if text != asked:
            terms = analyze(text)
        reranks = self.reranker is not None or self.cross_encoder is not None
        depth = max(1, results, CANDIDATES if reranks else 0)
        # The other spellings once each, after the question's own terms (repeats and all,
        # as rank-bm25 counts them): "Gov. Marsh ... the governor" is not counted twice.
        others = dict.fromkeys(s for term in terms for s in spellings(term)[1:] if s not in terms)
        scored = self.index.search([*terms, *others], depth)
        if not scored:
            return Answer(asked, None, None, (), read_as=corrected)
        weights = self.term_weights(terms)
        scored, refs = self._readable(scored, results)
        # The models read what the analyzer reads: "Ｗｈｏ" (full width) as "Who", and "the
        # FTC" as the name the candidates give it, as its initials match it in the index.
        model_text = acronyms_spelled_out(
            unicodedata.normalize("NFKC", text), (ref.passage.standalone for ref in refs)
        )
        question_vector = self.reranker.question_vector(model_text) if self.reranker else None
        similarities = (
            self.reranker.passage_similarities(question_vector, refs, self.vectors)
            if self.reranker and question_vector is not None
            else None
        )
        best_bm25 = max(s.score for s in scored) or 1.0
        hits = []
        for n, (found, ref) in enumerate(zip(scored, refs, strict=True)):
            fused = self.weights.lexical * found.score / best_bm25
            fused += self.weights.headline * _share(weights, analyze(ref.article.headline))
            similarity = None if similarities is None else float(similarities[n])
            if similarity is not None:
                fused += self.weights.semantic * similarity
            hits.append(Hit(ref, fused, found.score, similarity))
        hits.sort(key=lambda hit: -hit.score)  # stable: equal scores keep BM25's order
        if self.cross_encoder is not None and not self._clear_lead(weights, hits):
            checked = self._checked(self.cross_encoder, model_text, hits[:CHECKED])
            checked.sort(key=lambda hit: (_vetoed(hit), -hit.score))  # a veto goes last
            hits = checked + hits[len(checked) :]
        ranked = tuple(hits[: max(1, results)])
        best = ranked[0]
        evidence = 0.0 if self.unknown_names(text) else self.evidence(weights, best)
        if declines(evidence, self.threshold):
            return Answer(asked, None, None, ranked, evidence, read_as=corrected)
        sentence = self.best_sentence(text, best.ref, weights, question_vector, model_text)
        return Answer(asked, best, sentence, ranked, evidence, read_as=corrected)

    def read_as(self, question: str) -> str:
        """The question with each misspelt word written as the word one keystroke away
        that the coverage uses most ("How many missles" as "How many missiles",
        "Solemani" as "Soleimani"; see bot.spelling): a word neither English nor used by
        the coverage, in a passage or a headline."""
        return read_as(unicodedata.normalize("NFKC", question), self._uses)

    def _uses(self, term: str) -> int:
        """How many passages use the term, in any spelling, or 1 if only a headline does
        (the headlines' terms are worked out only then)."""
        passages = self._passages_using(term)
        return passages or int(not self._headline_terms.isdisjoint(spellings(term)))

    def _passages_using(self, term: str) -> int:
        """How many passages use the term in its commonest spelling."""
        return max(map(self.index.document_frequency, spellings(term)))

    def _clear_lead(self, weights: dict[str, float], hits: list[Hit]) -> bool:
        """Whether the earlier stages, the semantic one among them, put one candidate far
        enough ahead (CHECK_SKIP_LEAD), holding enough of the question's words
        (CHECK_SKIP_COVERAGE), that the answer check need not read any."""
        return (
            len(hits) > 1
            and hits[0].similarity is not None
            and hits[0].score - hits[1].score >= CHECK_SKIP_LEAD
            and self.query_coverage(weights, hits[0].ref) >= CHECK_SKIP_COVERAGE
        )

    def _checked(self, check: CrossEncoder, question: str, hits: list[Hit]) -> list[Hit]:
        """The best candidates scored by the answer check, which reads the question with
        each passage (under its headline), best first, up to the first it is sure of
        (CHECK_SURE): its logit leads, and the earlier stages' score counts with it
        (EARLIER_STAGES_WEIGHT). A passage too long for the model to read whole is read in
        windows of sentences, and its best window counts."""
        checked = []
        for hit in hits:
            logit = float(check.scores(question, _check_windows(hit.ref)).max())
            checked.append(
                replace(hit, score=logit + EARLIER_STAGES_WEIGHT * hit.score, check=logit)
            )
            if logit >= CHECK_SURE:
                break
        return checked

    def _readable(
        self, scored: list[ScoredPassage], results: int
    ) -> tuple[list[ScoredPassage], list[PassageRef]]:
        """The candidates with their passages. The first ``results`` must be read (an
        unreadable one is the question's error, as without the semantic stage); extra
        candidates for it to re-rank are passed over if their article cannot be read."""
        kept, refs = [], []
        for rank, found in enumerate(scored):
            try:
                refs.append(self.corpus.passages[found.number])
            except IndexLoadError:
                if rank < results:
                    raise
                continue
            kept.append(found)
        return kept, refs

    def term_weights(self, terms: list[str]) -> dict[str, float]:
        """Each distinct question term's weight: its idf, ln(1 + (N - n + 0.5) / (n + 0.5))
        (Lucene's always-positive BM25 idf), so that a term the coverage never uses
        weighs the most and "the capital of France" is not answered by a passage about
        "capital" alone."""
        return {term: self._idf(term) for term in set(terms)}

    def query_coverage(self, weights: dict[str, float], ref: PassageRef) -> float:
        """The share of the question's weight that the passage or its headline contains
        (the headline is the article's own summary of what the passage is about)."""
        headline = set(analyze(ref.article.headline))
        matched = sum(
            w
            for term, w in weights.items()
            if any(s in headline or self.index.contains(ref.number, s) for s in spellings(term))
        )
        return matched / sum(weights.values())

    def unknown_names(self, question: str) -> list[str]:
        """The names in the question (capitalised words past its first) that the coverage
        never uses, in a passage or a headline. A question about someone or somewhere the
        coverage never mentions is declined, whatever else it shares with a passage: on
        SQuAD this flags 38% of the questions about left-out articles and 1% of the
        others. A question written in capitals says nothing by them, and is not checked."""
        words = _WORD.findall(question)
        if sum(word[0].isupper() for word in words) * 2 > len(words):
            return []
        return [
            word
            for word in words[1:]
            if word[0].isupper() and (terms := analyze(word)) and not any(map(self._uses, terms))
        ]

    @cached_property
    def _headline_terms(self) -> frozenset[str]:
        """Every term of every headline, worked out the first time a question names
        something no passage uses (headlines are not indexed with the passages)."""
        return frozenset(term for headline in self.corpus.headlines() for term in analyze(headline))

    def evidence(self, weights: dict[str, float], hit: Hit) -> float:
        """How much of the question the passage answers: the share of the question's
        weight it holds, plus, with the semantic stage, its closest sentence's similarity;
        none when the answer check is all but sure it does not answer (CHECK_VETO)."""
        if _vetoed(hit):
            return 0.0
        coverage = self.query_coverage(weights, hit.ref)
        return coverage + (hit.similarity or 0.0) * DECLINE_SEMANTIC_WEIGHT

    def best_sentence(
        self,
        question: str,
        ref: PassageRef,
        weights: dict[str, float],
        question_vector: np.ndarray | None = None,
        model_question: str | None = None,
    ) -> str:
        """The sentence of the passage that answers the question (see bot.highlight);
        ``model_question`` is the question as the models read it, if not ``question``."""
        sentences = passage_sentences(ref)
        similarities = (
            self.reranker.sentence_similarities(question_vector, ref, self.vectors)
            if self.reranker and question_vector is not None
            else None
        )
        return best_sentence(
            question,
            sentences,
            weights,
            analyze,
            similarities,
            self._sentence_check(model_question or question, ref.article.headline),
        )

    def _sentence_check(self, question: str, headline: str) -> SentenceCheck | None:
        """The answer check reading single sentences with the question, as it reads
        passages: under their headline, which says what "it" and "the company" are
        (SQuAD part A's asked-about paragraphs: the sentence holding an answer chosen for
        0.900 of questions, against 0.887 without it), titles spelled out, the question as
        the models read it."""
        check = self.cross_encoder
        if check is None:
            return None
        model_question = unicodedata.normalize("NFKC", question)
        return lambda texts: check.scores(
            model_question, [spelled_out(f"{headline}. {t}") for t in texts]
        )

    def _idf(self, term: str) -> float:
        """As rare as the term's commonest spelling: "governor" weighs no more in coverage
        that writes "Gov." than "gov" does."""
        n = self._passages_using(term)
        total = self.index.size
        return math.log(1 + (total - n + 0.5) / (n + 0.5))


def declines(evidence: float, threshold: float) -> bool:
    """Whether an answer with this evidence is declined: below the threshold, and always
    with none at all (a name the coverage never uses, or the answer check's veto), even
    at a threshold of 0."""
    return evidence <= 0.0 or evidence < threshold


def _vetoed(hit: Hit) -> bool:
    return hit.check is not None and hit.check < CHECK_VETO


def _check_windows(ref: PassageRef) -> list[str]:
    """What the answer check reads of a passage, under its headline: the passage whole,
    or, past CHECK_WINDOW_WORDS, runs of its sentences that fit (at most CHECK_WINDOWS);
    titles before names written out ("Gov." gave "What did the governor do?" a logit of
    -7.4 where "Governor" gave -2.6)."""
    text = ref.passage.standalone
    if len(text.split()) <= CHECK_WINDOW_WORDS:
        return [spelled_out(f"{ref.article.headline}. {text}")]
    windows: list[list[str]] = [[]]
    for sentence in passage_sentences(ref):
        if windows[-1] and len(" ".join([*windows[-1], sentence]).split()) > CHECK_WINDOW_WORDS:
            windows.append([])
        windows[-1].append(sentence)
    return [spelled_out(f"{ref.article.headline}. {' '.join(w)}") for w in windows[:CHECK_WINDOWS]]


def default_threshold(
    reranker: SemanticReranker | None, cross_encoder: CrossEncoder | None = None
) -> float:
    """The evidence below which an answer is declined unless a setting says otherwise."""
    if reranker is None:
        return MIN_QUERY_COVERAGE  # the evidence is the question's share alone, checked or not
    return DECLINE_THRESHOLD_CHECKED if cross_encoder is not None else DECLINE_THRESHOLD_SEMANTIC


def _share(weights: dict[str, float], terms: list[str]) -> float:
    """The share of the question's weight that ``terms`` hold, in any spelling."""
    present = set(terms)
    held = sum(w for term, w in weights.items() if not present.isdisjoint(spellings(term)))
    return held / sum(weights.values())
