"""Extractive summaries: the whole story, one article, or one topic, sentence by sentence.

Every sentence is taken from the coverage as written and carries its article. The
method is TextRank with BM25 as the sentence similarity (Barrios, López, Argerich and
Wachenchauzer, "Variations of the Similarity Function of TextRank for Automated
Summarization", 2016), personalised (Haveliwala, "Topic-Sensitive PageRank", 2002):
the random surfer's jumps favour the evidence a news text gives of its own summary
(an article's lede, a "Why it matters:" paragraph) or, for a topic, the sentences
that match the topic. Maximal marginal relevance (Carbonell and Goldstein, 1998)
then picks sentences that are central but do not repeat each other.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
from rank_bm25 import BM25Okapi

from bot.analysis import analyze, spellings
from bot.answer import Answerer, QuestionError, question_terms, without_markup
from bot.corpus import Article, CorpusView
from bot.corpus.structure import has_pronoun_speaker, speaks_through_lead_in
from bot.examples import example_topics
from bot.sentences import split_sentences

MAX_TOPIC_CHARS = 200


@dataclass(frozen=True)
class SummaryParameters:
    """Every knob of the method, in one place.

    - ``damping``: the probability of following an edge rather than jumping by the
      prior. PageRank's 0.85 trusts the graph most; 0.7 gives the evidence of the news
      form (position, cues) more say.
    - ``cue_weight``: jumps to a sentence favour earlier passages, 1 / (position + 1)
      (the inverted pyramid of news writing), and this many times more a passage
      labelled with a summary cue ("Why it matters").
    - ``mmr_lambda``: in maximal marginal relevance, the weight of centrality against
      (1 - lambda) the similarity to sentences already chosen; 0.5 balances them.

    ``damping`` and ``mmr_lambda`` were chosen from {0.5, 0.7, 0.85} x {0.4, 0.5, 0.6,
    0.7} on the bundled reference summaries, the only ones there are: README reports
    the ROUGE this gives and says so.
    - ``max_similarity``: a sentence whose term cosine with a chosen one reaches this
      says the same thing again and is never chosen.
    - ``min_words``: shorter sentences (fragments, datelines) are not candidates.
    - ``iterations``, ``tolerance``: the power iteration's bounds.
    """

    damping: float = 0.7
    cue_weight: float = 2.0
    mmr_lambda: float = 0.5
    max_similarity: float = 0.5
    min_words: int = 6
    iterations: int = 200
    tolerance: float = 1e-10


PARAMETERS = SummaryParameters()
SUMMARY_CUES = frozenset(
    {"why it matters", "the big picture", "the bottom line", "driving the news", "the latest"}
)
STORY_SENTENCES, ARTICLE_SENTENCES, TOPIC_SENTENCES = 6, 4, 5
MAX_SENTENCES = 12
TOPIC_PASSAGES = 12
STORY_ARTICLES = 200
"""The story of a large archive is told from its newest articles."""
MAX_CANDIDATES = 400
"""The sentence graph is quadratic; past this many candidates only those the prior
favours most (the earliest passages of each article, and cues) are ranked."""


class SummaryError(ValueError):
    """A summary that cannot be made; the message is for the person who asked."""


@dataclass(frozen=True)
class SummarySentence:
    """A sentence of the coverage and where it stands: article, passage, place in passage."""

    text: str
    article: Article
    passage: int
    index: int


@dataclass(frozen=True)
class Summary:
    """What a summary shows: a title and its sentences in reading order."""

    title: str
    sentences: tuple[SummarySentence, ...]

    @property
    def of_article(self) -> Article | None:
        """The one article this summarises (its headline the title), which front ends
        name once rather than under every sentence; None for a story or a topic."""
        articles = {sentence.article.id: sentence.article for sentence in self.sentences}
        if len(articles) != 1:
            return None
        [article] = articles.values()
        return article if article.headline == self.title else None


def favoured_candidates(articles: Sequence[Article]) -> list[SummarySentence]:
    """The sentences a summary of ``articles`` may show (see :func:`passage_sentences`),
    in reading order; past ``MAX_CANDIDATES`` of them, only those the evidence prior
    favours most (the first of equals first), as :func:`_choose` would keep. The prior is
    a passage's, so passages are taken in its order and split only until enough sentences
    are found: in a large archive most are never split."""
    places = sorted(
        (
            (n, position)
            for n, article in enumerate(articles)
            for position in range(len(article.passages))
        ),
        key=lambda place: (-_passage_prior(articles[place[0]], place[1]), place),
    )
    found: list[tuple[int, SummarySentence]] = []
    for n, position in places:
        found.extend((n, sentence) for sentence in passage_sentences(articles[n], position))
        if len(found) >= MAX_CANDIDATES:
            break
    kept = sorted(
        found[:MAX_CANDIDATES], key=lambda pair: (pair[0], pair[1].passage, pair[1].index)
    )
    return [sentence for _, sentence in kept]


def passage_sentences(article: Article, position: int) -> list[SummarySentence]:
    """The sentences of one passage a summary may show: long enough, and never "he said"
    without a name. A passage that needs the sentence before it to say who speaks (its
    speaker is only "he" or "she", or it goes on with a quotation opened before) gives
    none; one that answers its question heading reads on its own ("Counties pay for a
    recount unless ...") and gives its sentences, as any other."""
    passage = article.passages[position]
    if speaks_through_lead_in(article.passages, position):
        return []
    return [
        SummarySentence(text, article, position, index)
        for index, text in enumerate(split_sentences(passage.body))
        if len(text.split()) >= PARAMETERS.min_words and not _pronoun_only(text)
    ]


def summarize_story(corpus: CorpusView, sentences: int = STORY_SENTENCES) -> Summary:
    """The key developments of the whole coverage (of its newest articles, when it is
    large), in order of date, then of article."""
    _require_text(corpus, sentences)
    numbers = corpus.newest_articles(STORY_ARTICLES)
    articles = [corpus.articles[n] for n in numbers]
    candidates = favoured_candidates(articles)
    if not candidates:
        raise SummaryError("The coverage has no sentences to summarise.")
    chosen = _choose(candidates, _evidence_prior(candidates), sentences)
    places = {article.id: n for n, article in zip(numbers, articles, strict=True)}
    return Summary("The story so far", _in_reading_order(chosen, places))


def summarize_article(
    corpus: CorpusView, words: str, sentences: int = ARTICLE_SENTENCES
) -> Summary:
    """The main points of the one article that ``words`` (an id or headline words) names."""
    _require_text(corpus, sentences)
    article = find_article(corpus, words)
    candidates = favoured_candidates([article])
    if not candidates:
        raise SummaryError(f"The article {article.headline!r} has no sentences to summarise.")
    chosen = _choose(candidates, _evidence_prior(candidates), sentences)
    return Summary(article.headline, _in_reading_order(chosen, {article.id: 0}))


class ArticleNotFound(SummaryError):
    """No article's headline or id matches: each front end adds where the list is."""


SHOWN_MATCHES = 5
"""Articles named when several match."""
SHOWN_CHARS = 100
"""Characters of what was asked for that a refusal repeats."""


def _nothing_about(topic: str) -> str:
    """The refusal of a topic, with one full stop ("... about the FAA?", not "?.")."""
    ending = "" if topic.endswith((".", "?", "!", "…")) else "."
    return f"There is nothing in the coverage about {topic}{ending}"


def find_article(corpus: CorpusView, words: str) -> Article:
    """The one article ``words`` names, or SummaryError saying none or which ones (by
    headline, with the id that names each)."""
    if not words.strip():
        raise SummaryError("Name the article: its id or some words of its headline.")
    asked = without_markup(words)  # as one line, however it was typed, and not too long
    asked = asked if len(asked) <= SHOWN_CHARS else asked[: SHOWN_CHARS - 1].rstrip() + "…"
    matches = corpus.find_articles(words)
    if not matches:
        raise ArticleNotFound(f"No article matches “{asked}”.")
    if len(matches) > 1:
        options = "; ".join(f"{a.headline} ({a.id})" for a in matches[:SHOWN_MATCHES])
        more = f"; and {len(matches) - SHOWN_MATCHES} more" if len(matches) > SHOWN_MATCHES else ""
        raise SummaryError(f"{len(matches)} articles match “{asked}”: {options}{more}.")
    return matches[0]


class TopicNotCovered(SummaryError):
    """A topic the coverage says nothing about: a decline, not a mistake in the request."""


def check_topic(topic: str, corpus: CorpusView) -> None:
    """SummaryError for a topic that is empty, far too long to be a topic, or has no
    words to search for (emoji, punctuation)."""
    if len(topic.strip()) > MAX_TOPIC_CHARS:
        raise SummaryError(
            f"That topic is {len(topic.strip()):,} characters long; "
            f"a topic is a few words, under {MAX_TOPIC_CHARS}."
        )
    try:
        question_terms(topic)
    except QuestionError:
        raise SummaryError(_name_a_topic(corpus)) from None


def _name_a_topic(corpus: CorpusView) -> str:
    topics = example_topics(corpus)
    return "Name a topic in a few words" + (f", for example: {topics}." if topics else ".")


def summarize_topic(answerer: Answerer, topic: str, sentences: int = TOPIC_SENTENCES) -> Summary:
    """What the coverage as a whole says about ``topic``, from the passages the retriever
    finds for it; only sentences that speak of the topic are shown."""
    _require_text(answerer.corpus, sentences)
    check_topic(topic, answerer.corpus)
    # The answer check reads questions, not topics ("power outage" answers nothing), so
    # the passages that speak of a topic are found by the earlier stages alone.
    finder = replace(answerer.ranking, cross_encoder=None)
    finder_answerer = finder.answerer(answerer.corpus, answerer.index, answerer.vectors)
    try:
        answer = finder_answerer.answer(topic, results=TOPIC_PASSAGES)
    except QuestionError as error:
        raise SummaryError(_name_a_topic(answerer.corpus)) from error
    # A topic is not a question: passages that use its words are worth summarising even
    # when none answers enough of it to be an answer, but not when it names someone or
    # somewhere the coverage never mentions (no evidence at all).
    read = answer.read_as or answer.question  # as the stages read it: "missles" as "missiles"
    if not answer.results or (answer.best is None and answer.evidence == 0.0):
        raise TopicNotCovered(_nothing_about(read))
    found = sorted((hit.ref for hit in answer.results), key=lambda ref: ref.number)
    candidates = [s for ref in found for s in passage_sentences(ref.article, ref.position)]
    # A title speaks of the topic in either news spelling: "governor" in "Gov. Marsh said".
    terms = [s for term in analyze(read) for s in spellings(term)]
    on_topic = [c for c in candidates if not set(terms).isdisjoint(analyze(c.text))]
    if not on_topic:
        raise TopicNotCovered(_nothing_about(read))
    chosen = _choose(on_topic, _query_scores(on_topic, terms), sentences)
    return Summary(
        f"What the coverage says about {read}",
        # Passage numbers follow the corpus's article order, so any one places its article.
        _in_reading_order(chosen, {ref.article.id: ref.number for ref in found}),
    )


def lead_summary(articles: Sequence[Article], sentences: int) -> list[str]:
    """The Lead-N baseline: the first N sentences of one article; for several articles,
    the first sentence of each of the first N."""
    if len(articles) == 1:
        return [s for p in articles[0].passages for s in split_sentences(p.body)][:sentences]
    ledes = (split_sentences(a.passages[0].body)[:1] for a in articles if a.passages)
    return [s for lede in ledes for s in lede][:sentences]


def _require_text(corpus: CorpusView, sentences: int) -> None:
    if not 1 <= sentences <= MAX_SENTENCES:
        raise SummaryError(f"A summary has 1 to {MAX_SENTENCES} sentences, not {sentences}.")
    if not corpus.passages:
        raise SummaryError("The coverage is empty, so there is nothing to summarise.")


def _pronoun_only(sentence: str) -> bool:
    """True for a sentence whose only subject or speaker is "he", "she" or "they"."""
    first = sentence.lstrip("\"“'‘ ").split(" ", 1)[0].casefold()
    return first in {"he", "she", "they"} or has_pronoun_speaker(sentence)


def _evidence_prior(candidates: list[SummarySentence]) -> np.ndarray:
    """Jump weights: each candidate's passage prior."""
    return np.array([_passage_prior(c.article, c.passage) for c in candidates], dtype=float)


def _passage_prior(article: Article, position: int) -> float:
    """1 / (passage position + 1), times ``cue_weight`` for a summary cue ("Why it matters")."""
    label = article.passages[position].label
    cue = label is not None and label.casefold() in SUMMARY_CUES
    return (PARAMETERS.cue_weight if cue else 1.0) / (position + 1)


def _query_scores(candidates: list[SummarySentence], terms: list[str]) -> np.ndarray:
    """BM25Okapi scores of each candidate sentence for a query, floored at zero."""
    documents = [analyze(c.text) for c in candidates]
    if not candidates or not terms:
        return np.zeros(len(candidates))
    return np.clip(BM25Okapi(documents).get_scores(terms), 0.0, None)


def centrality(candidates: list[SummarySentence], prior: np.ndarray) -> np.ndarray:
    """Personalised PageRank over the BM25 sentence graph.

    The edge i -> j weighs BM25(query = sentence i, document = sentence j), as in
    Barrios et al.; a sentence with no edges jumps by the prior.
    """
    count = len(candidates)
    if count == 0:
        return np.zeros(0)
    documents = [analyze(c.text) for c in candidates]
    bm25 = BM25Okapi(documents)
    weights = np.array([bm25.get_scores(terms) for terms in documents])
    np.fill_diagonal(weights, 0.0)
    weights = np.clip(weights, 0.0, None)
    jump = prior / prior.sum() if prior.sum() > 0 else np.full(count, 1 / count)
    out = weights.sum(axis=1, keepdims=True)
    transition = np.where(out > 0, weights / np.where(out > 0, out, 1), jump)
    scores = np.full(count, 1 / count)
    for _ in range(PARAMETERS.iterations):
        updated = (1 - PARAMETERS.damping) * jump + PARAMETERS.damping * scores @ transition
        if np.abs(updated - scores).sum() < PARAMETERS.tolerance:
            return updated
        scores = updated
    return scores


def _choose(
    candidates: list[SummarySentence], prior: np.ndarray, count: int
) -> list[SummarySentence]:
    """The ``count`` sentences maximal marginal relevance picks, no two saying the same."""
    if len(candidates) > MAX_CANDIDATES:
        keep = sorted(np.argsort(-prior, kind="stable")[:MAX_CANDIDATES])
        candidates, prior = [candidates[i] for i in keep], prior[keep]
    scores = centrality(candidates, prior)
    if scores.size == 0:
        return []
    relevance = scores / scores.max()
    vectors = [Counter(analyze(c.text)) for c in candidates]
    chosen: list[int] = []
    while len(chosen) < count:
        best, best_value = None, -math.inf
        for i in range(len(candidates)):
            if i in chosen:
                continue
            overlap = max((_cosine(vectors[i], vectors[j]) for j in chosen), default=0.0)
            if overlap >= PARAMETERS.max_similarity:
                continue
            value = PARAMETERS.mmr_lambda * relevance[i] - (1 - PARAMETERS.mmr_lambda) * overlap
            if value > best_value:
                best, best_value = i, value
        if best is None:
            break
        chosen.append(best)
    return [candidates[i] for i in chosen]


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    dot = sum(count * b[term] for term, count in a.items())
    norm = math.sqrt(sum(v * v for v in a.values()) * sum(v * v for v in b.values()))
    return dot / norm if norm else 0.0


def _in_reading_order(
    chosen: list[SummarySentence], places: Mapping[str, int]
) -> tuple[SummarySentence, ...]:
    """By date where dates differ, then by the article's place in the corpus (``places``:
    article id to a number that orders articles as the corpus does), then in itself."""
    return tuple(
        sorted(
            chosen,
            key=lambda s: (s.article.date or dt.date.min, places[s.article.id], s.passage, s.index),
        )
    )
