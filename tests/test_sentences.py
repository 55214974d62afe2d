"""Sentence splitting on wire copy: datelines and abbreviations do not end sentences."""

from __future__ import annotations

import pytest

from bot.answer import Answerer
from bot.corpus import Article, Corpus, Passage
from bot.sentences import split_sentences
from bot.summary import summarize_article

STRIKE = (
    "Transit workers walked off the job at 4 a.m. Monday, halting service on every line. "
    "The union said the strike would last until a contract is signed."
)


@pytest.mark.parametrize(
    "sentence",
    [
        "Transit workers walked off the job at 4 a.m. Monday, halting service on every line.",
        "The strike began at 5 p.m. EST and lasted four hours.",
        "The walkout started at 11 p.m. Tuesday in Newark.",
        "The vote was held at 10 a.m. Jan. 8 in the capitol.",
        "The plane left at 6 A.M. January 8 from Tehran.",
        "The missiles landed at 1:30 a.m. local time.",
        "At 4 a.m. Iran launched more than a dozen missiles.",
        "Service stopped at 4 a.m. Mon., stranding commuters.",
        "Gov. Gavin Newsom said the state was ready.",
        "Sen. Jane Doe voted against the measure.",
        "The talks began Jan. 7 in Geneva.",
        "The U.S. Army said it was investigating.",
        "Lt. Gen. Smith spoke to reporters.",
        "The No. 2 official resigned on Friday.",
        "They fired approx. 300 rounds at the base.",
        "An est. 40,000 people marched.",
        "Troops at Ft. Bragg were put on alert.",
        "Nurses are charting vital signs every 4 hrs. on printed flow sheets.",
        "Rainfall reached 2.5 in. on Tuesday in the valley.",
        "The house sold for $4.5 mil. after a bidding war.",
    ],
)
def test_wire_style_sentence_is_kept_whole(sentence: str) -> None:
    assert split_sentences(f"{sentence} Nobody was hurt.") == [sentence, "Nobody was hurt."]


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        (
            "It ended at 5 p.m. The union said it would strike again.",
            ["It ended at 5 p.m.", "The union said it would strike again."],
        ),
        (
            "Service stopped at 4 a.m. Monday's strike was the first in a decade.",
            ["Service stopped at 4 a.m.", "Monday's strike was the first in a decade."],
        ),
        (
            "The meeting ended at 3 p.m. Trump then tweeted.",
            ["The meeting ended at 3 p.m.", "Trump then tweeted."],
        ),
        (
            "They left at 2 p.m. Sun. Trump tweeted.",
            ["They left at 2 p.m. Sun.", "Trump tweeted."],
        ),
        (
            "WASHINGTON (AP) — The Senate voted Tuesday. It was close.",
            ["WASHINGTON (AP) — The Senate voted Tuesday.", "It was close."],
        ),
        (
            "Officials met in the U.S. The talks failed.",
            ["Officials met in the U.S.", "The talks failed."],
        ),
        ("The answer was No. Then he left.", ["The answer was No.", "Then he left."]),
        ("Sales were fine. iPhone sales rose.", ["Sales were fine.", "iPhone sales rose."]),
        (
            "The plan failed. de Blasio blamed the council.",
            ["The plan failed.", "de Blasio blamed the council."],
        ),
    ],
)
def test_real_boundaries_still_split(text: str, sentences: list[str]) -> None:
    assert split_sentences(text) == sentences


def test_joined_sentence_is_the_text_as_written() -> None:
    text = "They fired approx.  300 rounds.\nIt ended at 4 a.m.\nMonday, officials said."
    assert split_sentences(text) == [
        "They fired approx.  300 rounds.",
        "It ended at 4 a.m.\nMonday, officials said.",
    ]


def test_article_summary_never_starts_mid_sentence() -> None:
    article = Article("strike", "Transit strike", (Passage(STRIKE),))
    summary = summarize_article(Corpus((article,)), "strike", 2)
    assert [s.text for s in summary.sentences] == [
        "Transit workers walked off the job at 4 a.m. Monday, halting service on every line.",
        "The union said the strike would last until a contract is signed.",
    ]


def test_answer_highlights_the_whole_dateline_sentence() -> None:
    article = Article("strike", "Transit strike", (Passage(STRIKE),))
    answer = Answerer(Corpus((article,))).answer("When did transit service halt?")
    assert answer.sentence == (
        "Transit workers walked off the job at 4 a.m. Monday, halting service on every line."
    )
