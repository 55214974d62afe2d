"""Misspelt questions: a word that is not English and that the coverage never uses, one
keystroke from one it does, is read as that word by every stage; an English word, a
short word or a word the coverage uses is left as it is."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.answer import Answerer, Ranking
from bot.corpus import Article, Corpus, Passage
from bot.cross_encoder import load_cross_encoder
from bot.rerank import load_reranker
from bot.spelling import CORRECTED_WORDS, corrected_word, read_as
from bot.summary import summarize_topic


def uses(**counts: int) -> Callable[[str], int]:
    """How many passages use each term, as an index would count them."""
    return lambda term: counts.get(term, 0)


def test_the_spelling_whose_term_the_coverage_uses_most_wins() -> None:
    assert corrected_word("missles", uses(missil=7)) == "missiles"
    assert corrected_word("missles", uses()) is None
    # "closed" and "close" share a term: the commoner English word is read.
    assert corrected_word("closd", uses(close=3)) == "close"
    # An English word goes before a spelling that only shares a more used stem.
    assert corrected_word("evacuted", uses(evacu=1, evacue=2)) == "evacuated"


def test_a_name_that_differs_at_its_end_is_another_name() -> None:
    used = uses(medvedev=4, soleimani=2)
    assert corrected_word("medvedeva", used) == "medvedev"  # as a word, one edit
    assert read_as("What did Medvedeva say?", used) == "What did Medvedeva say?"
    assert read_as("What did Solemani say?", used) == "What did Soleimani say?"


def test_a_misspelt_stop_word_is_read_as_the_stop_word() -> None:
    # Stop words are not searched: one misspelt would weigh as a word the coverage
    # never uses, the heaviest there is.
    assert corrected_word("whcih", uses()) == "which"
    assert corrected_word("becuase", uses()) == "because"
    assert read_as("Whcih school might shut?", uses(school=2)) == "Which school might shut?"
    assert read_as("and whcih school?", uses(school=2)) == "and which school?"
    # A name is not read as one: "Abouth" stays someone the coverage never mentions.
    assert corrected_word("abouth", uses()) == "about"
    assert read_as("What did Abouth say?", uses()) == "What did Abouth say?"


def test_a_question_is_read_with_its_misspellings_corrected_and_its_case_kept() -> None:
    used = uses(missil=7, soleimani=2, setanta=1)
    assert read_as("How many missles did Iran fire?", used) == "How many missiles did Iran fire?"
    assert read_as("Where was Solemani killed?", used) == "Where was Soleimani killed?"
    assert read_as("SENTANTA SPORTS?", used) == "SETANTA SPORTS?"


def test_english_short_and_used_words_are_left_as_they_are() -> None:
    # "rights" is one edit from "nights", which this coverage uses; but it is English.
    assert corrected_word("rights", uses(night=3)) == "nights"
    assert read_as("Who spoke about rights?", uses(night=3)) == "Who spoke about rights?"
    assert read_as("Who sang?", uses(rang=3)) == "Who sang?"  # under five letters
    assert read_as("Where is Zorblat?", uses(zorblat=1, zorblet=9)) == "Where is Zorblat?"


def test_only_the_first_few_unknown_words_are_looked_for() -> None:
    question = " ".join(["qwxzv"] * CORRECTED_WORDS + ["missles"])
    assert read_as(question, uses(missil=1)) == question
    shorter = " ".join(["qwxzv"] * (CORRECTED_WORDS - 1) + ["missles"])
    assert read_as(shorter, uses(missil=1)).endswith("missiles")


def test_bm25_alone_finds_a_misspelt_words_passage(answerer: Answerer) -> None:
    assert answerer.read_as("How many missles did Iran fire?") == "How many missiles did Iran fire?"
    right = answerer.answer("How many missiles did Iran fire?")
    answer = answerer.answer("How many missles did Iran fire?")
    assert answer.best is not None, "declined: 'missles' held none of the question's weight"
    assert right.best is not None and answer.best.ref == right.best.ref
    assert answer.evidence == right.evidence
    assert answer.question == "How many missles did Iran fire?"  # shown as asked
    assert answer.read_as == "How many missiles did Iran fire?"  # and how it was read
    assert right.read_as is None
    # Full-width letters are read as plain ones, but nothing was corrected: nothing to say.
    assert answerer.answer("How many ｍｉｓｓｉｌｅｓ did Iran fire?").read_as is None
    assert answerer.answer("How many missles did North Korea lanch?").read_as == (
        "How many missiles did North Korea launch?"  # a decline says how it was read too
    )


def test_a_word_only_a_headline_uses_is_not_a_misspelling() -> None:
    article = Article(
        "budget",
        "Zorblat council approves the budget",
        (Passage("The council approved the budget on Monday by six votes to one."),),
    )
    answerer = Answerer(Corpus((article,)))
    assert answerer.read_as("What did the Zorblat council do?") == (
        "What did the Zorblat council do?"
    )
    assert answerer.read_as("What did the Zorblatt council do?") == (
        "What did the Zorblat council do?"
    )
    assert answerer.unknown_names("What did the Zorblat council do?") == []


@pytest.fixture(scope="module")
def all_stages(bundled: Corpus) -> Answerer:
    return Ranking(load_reranker(), cross_encoder=load_cross_encoder()).answerer(bundled)


def test_a_misspelt_name_finds_what_the_name_finds(all_stages: Answerer) -> None:
    right = all_stages.answer("Where was Soleimani killed?")
    misspelt = all_stages.answer("Where was Solemani killed?")
    assert right.best is not None and misspelt.best is not None
    assert misspelt.best.ref == right.best.ref
    assert misspelt.sentence == right.sentence
    assert all_stages.answer("How many missiles did North Korea launch?").best is None


def test_a_misspelt_topic_is_summarised(all_stages: Answerer) -> None:
    summary = summarize_topic(all_stages, "missles")
    assert summary.title == "What the coverage says about missiles"  # as it was read
    assert summary.sentences
    assert all("missile" in sentence.text.lower() for sentence in summary.sentences)
