"""Extractive summaries: whole story, one article, one topic; and their bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bot.answer import Answerer
from bot.corpus import Article, Corpus, Passage, load_corpus
from bot.evaluation import summary_rouge
from bot.knowledge import Knowledge
from bot.sentences import split_sentences
from bot.summary import (
    MAX_CANDIDATES,
    MAX_TOPIC_CHARS,
    SummaryError,
    _evidence_prior,
    favoured_candidates,
    lead_summary,
    passage_sentences,
    summarize_article,
    summarize_story,
    summarize_topic,
)

REFERENCES = Path(__file__).parent / "data" / "reference_summaries.json"
ALL_IS_WELL_ID = "trump-says-all-is-well-after-iranian-bbd2fd"


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        (
            "Iran launched missiles at U.S. bases. Gen. Qasem Soleimani was killed.",
            ["Iran launched missiles at U.S. bases.", "Gen. Qasem Soleimani was killed."],
        ),
        (
            "At approximately 5:30 p.m. (EST) on January 7, Iran fired. Rep. Debbie Dingell spoke.",
            [
                "At approximately 5:30 p.m. (EST) on January 7, Iran fired.",
                "Rep. Debbie Dingell spoke.",
            ],
        ),
        (
            '"It is not sufficient," he said. Pelosi told the room to pray.',
            ['"It is not sufficient," he said.', "Pelosi told the room to pray."],
        ),
    ],
)
def test_sentence_splitting_survives_news_text(text: str, sentences: list[str]) -> None:
    assert split_sentences(text) == sentences


def test_story_summary_covers_several_articles_in_reading_order(knowledge: Knowledge) -> None:
    summary = summarize_story(knowledge.corpus)
    assert 5 <= len(summary.sentences) <= 8
    assert len({s.article.id for s in summary.sentences}) >= 3
    order = {a.id: n for n, a in enumerate(knowledge.corpus.articles)}
    places = [(order[s.article.id], s.passage, s.index) for s in summary.sentences]
    assert places == sorted(places)
    assert summary.sentences[0].text.startswith(
        'President Trump tweeted Tuesday night "all is well"'
    )


def test_every_summary_sentence_is_quoted_from_its_article(knowledge: Knowledge) -> None:
    for summary in (
        summarize_story(knowledge.corpus),
        summarize_article(knowledge.corpus, ALL_IS_WELL_ID),
        summarize_topic(knowledge.answerer, "casualties"),
    ):
        for sentence in summary.sentences:
            assert any(sentence.text in p.body for p in sentence.article.passages)


def test_he_said_sentences_are_never_shown(knowledge: Knowledge) -> None:
    summary = summarize_article(knowledge.corpus, ALL_IS_WELL_ID, sentences=12)
    texts = [s.text for s in summary.sentences]
    assert not any(" he said" in t or t.startswith('"Military action') for t in texts)
    assert not any(t.startswith(('"Had there been', '"What is important')) for t in texts)


def test_article_summary_by_headline_words_has_three_to_five_sentences(
    knowledge: Knowledge,
) -> None:
    summary = summarize_article(knowledge.corpus, "all is well bases")
    assert summary.title == knowledge.corpus.find_articles(ALL_IS_WELL_ID)[0].headline
    assert 3 <= len(summary.sentences) <= 5
    assert {s.article.id for s in summary.sentences} == {ALL_IS_WELL_ID}


def test_sentence_count_can_be_changed(knowledge: Knowledge) -> None:
    assert len(summarize_story(knowledge.corpus, sentences=2).sentences) == 2
    with pytest.raises(SummaryError, match="1 to 12 sentences, not 0"):
        summarize_story(knowledge.corpus, sentences=0)


def test_topic_summary_speaks_of_the_topic_without_repeating_itself(knowledge: Knowledge) -> None:
    summary = summarize_topic(knowledge.answerer, "de-escalation")
    assert summary.title == "What the coverage says about de-escalation"
    assert all("escalation" in s.text for s in summary.sentences)
    assert len({s.text for s in summary.sentences}) == len(summary.sentences)
    assert len({s.article.id for s in summary.sentences}) >= 2


def test_topic_the_coverage_does_not_cover_gets_nothing(knowledge: Knowledge) -> None:
    with pytest.raises(SummaryError, match="There is nothing in the coverage about the Olympics"):
        summarize_topic(knowledge.answerer, "the Olympics")
    with pytest.raises(SummaryError) as asked:
        summarize_topic(knowledge.answerer, "Who won the Olympics?")
    assert str(asked.value) == "There is nothing in the coverage about Who won the Olympics?"


@pytest.mark.parametrize(
    ("topic", "message"),
    [("", "Name a topic"), ("   ", "Name a topic"), ("🚀", "Name a topic"),
     ("x" * 2000, "That topic is 2,000 characters long")],
)  # fmt: skip
def test_bad_topics_get_a_clear_message(knowledge: Knowledge, topic: str, message: str) -> None:
    assert len("x" * 2000) > MAX_TOPIC_CHARS
    with pytest.raises(SummaryError, match=message):
        summarize_topic(knowledge.answerer, topic)


def test_unknown_or_ambiguous_article_is_named(knowledge: Knowledge) -> None:
    with pytest.raises(SummaryError, match="No article matches “moon landing”"):
        summarize_article(knowledge.corpus, "moon  landing\n")  # shown as one line
    with pytest.raises(SummaryError) as several:
        summarize_article(knowledge.corpus, "trump")
    said = str(several.value)
    assert said.startswith("4 articles match “trump”: Top Iranian official appears to mimic")
    assert '; Trump says "all is well" after Iranian strikes on bases hosting U.S. troops (' in said
    assert said.count(" (") == 4  # by headline, each with the id that names it


def test_corpus_of_one_article_with_one_paragraph() -> None:
    text = "Iran fired more than a dozen missiles at two bases in Iraq on Tuesday night."
    corpus = Corpus((Article("a", "Missiles", (Passage(text),)),))
    assert [s.text for s in summarize_story(corpus).sentences] == [text]
    assert [s.text for s in summarize_article(corpus, "a").sentences] == [text]
    assert [s.text for s in summarize_topic(Answerer(corpus), "missiles").sentences] == [text]


def test_a_topic_named_by_a_title_finds_the_sentences_that_abbreviate_it() -> None:
    text = "Gov. Ellen Marsh said the state would send 40 trucks of bottled water."
    other = "The city opened two more shelters on Monday."
    corpus = Corpus((Article("a", "Help arrives", (Passage(f"{other} {text}"),)),))
    assert [s.text for s in summarize_topic(Answerer(corpus), "governor").sentences] == [text]


FAQ = """---
title: Your questions about the recount, answered
date: 2025-11-18
---

## Who pays for the recount?

The county pays for a recount unless the margin is wider than half a percentage point.

## How long will the recount take?

Election officials expect the hand count to take three days at the county warehouse.
"""


def test_answers_under_question_headings_are_summarised(tmp_path: Path) -> None:
    (tmp_path / "faq.md").write_text(FAQ, encoding="utf-8")
    corpus = load_corpus(tmp_path).corpus
    pays = "The county pays for a recount unless the margin is wider than half a percentage point."
    takes = "Election officials expect the hand count to take three days at the county warehouse."
    assert corpus.passages[0].passage.lead_in == "Who pays for the recount?"
    assert [s.text for s in summarize_story(corpus).sentences] == [pays, takes]
    article = summarize_article(corpus, "questions about the recount")
    assert [s.text for s in article.sentences] == [pays, takes]
    topic = summarize_topic(Answerer(corpus), "recount cost")
    assert [s.text for s in topic.sentences] == [pays]


STADIUM = """---
title: Council rejects the stadium plan
date: 2025-11-18
---

Why did the council vote the stadium plan down? Mayor Jane Doe explained the decision to \
reporters at city hall on Monday afternoon.

"The numbers never worked for taxpayers, not once in two years of talks," she said. \
"We will not hand a billion dollars of public money to a private sports franchise."
"""


def test_a_quotation_whose_speaker_is_named_in_a_question_before_it_is_never_shown(
    tmp_path: Path,
) -> None:
    """The "she said" paragraph carries the sentence before it, a question here: it is a
    speaker's lead-in all the same, not an FAQ's question heading."""
    (tmp_path / "stadium.md").write_text(STADIUM, encoding="utf-8")
    corpus = load_corpus(tmp_path).corpus
    assert corpus.passages[1].passage.lead_in == "Why did the council vote the stadium plan down?"
    shown = [s.text for s in summarize_story(corpus).sentences]
    assert not any("billion dollars" in text for text in shown)
    with pytest.raises(SummaryError, match="nothing in the coverage about public money"):
        summarize_topic(Answerer(corpus), "public money")


LISTED_PLAN = """---
title: Mayor sets out her transit plan
date: 2025-11-18
---

Mayor Jane Doe said at city hall on Monday: "We will do three things for the riders of \
this city, starting in the new year.

- Buses every ten minutes on the twelve busiest routes in the city.
- A flat fare of one dollar for every rider under eighteen years old.

"Nobody in this city should wait half an hour in the rain for a bus that never comes."
"""
FAQ_SHE_SAID = """---
title: Library branch stays open
date: 2025-11-18
---

The county budget keeps the Elm Street library branch open through next year, officials \
announced Monday.

## Will the Elm Street branch close?

No, she said. The new county budget pays for the branch's staff and its longer weekend \
hours through December of next year.
"""
FAQ_AFTER_AN_OPEN_QUOTE = """---
title: Council rejects the stadium plan
date: 2025-11-18
---

“The numbers never worked for taxpayers," Councillor Amy Park said after the vote on \
Monday evening at city hall.

## What happens to the site now?

"Phase two" of the riverfront park will be built on the land, and work on the new park \
begins in the spring of next year.
"""


@pytest.mark.parametrize(
    ("text", "sentence", "shown"),
    [
        (LISTED_PLAN, "Nobody in this city should wait", False),  # the quote goes on
        (FAQ_SHE_SAID, "The new county budget pays", True),
        (FAQ_SHE_SAID, "No, she said.", False),
        (FAQ_AFTER_AN_OPEN_QUOTE, '"Phase two" of the riverfront park', True),
    ],
    ids=["quote-after-a-list", "faq-answer", "faq-she-said", "faq-after-an-open-quote"],
)
def test_a_speakers_lead_in_is_told_from_a_question_heading(
    tmp_path: Path, text: str, sentence: str, shown: bool
) -> None:
    (tmp_path / "article.md").write_text(text, encoding="utf-8")
    story = summarize_story(load_corpus(tmp_path).corpus, sentences=10)
    assert any(s.text.startswith(sentence) for s in story.sentences) is shown


def test_a_story_with_no_sentence_to_show_says_so() -> None:
    corpus = Corpus((Article("a", "Quiet day", (Passage("He said so."),)),))
    with pytest.raises(SummaryError, match="The coverage has no sentences to summarise"):
        summarize_story(corpus)


def test_empty_corpus_has_nothing_to_summarise() -> None:
    empty = Corpus(())
    for summarize in (
        lambda: summarize_story(empty),
        lambda: summarize_article(empty, "x"),
        lambda: summarize_topic(Answerer(empty), "missiles"),
    ):
        with pytest.raises(SummaryError, match="The coverage is empty"):
            summarize()


def test_candidates_skip_fragments(knowledge: Knowledge) -> None:
    assert all(len(c.text.split()) >= 6 for c in favoured_candidates(knowledge.corpus.articles))


def archive(articles: int) -> list[Article]:
    """Articles of eight passages of two sentences, some opening with a summary cue."""
    return [
        Article(
            f"a{n}",
            f"Council meeting {n}",
            tuple(
                Passage(
                    f"The council met for session {n} and item {k} on the harbour. "
                    f"Members then voted on roads and schools for item {k} of {n}.",
                    label="Why it matters" if (n + k) % 7 == 0 else None,
                )
                for k in range(8)
            ),
        )
        for n in range(articles)
    ]


def test_favoured_candidates_are_those_the_prior_ranks_first_of_all_candidates() -> None:
    articles = archive(60)  # 60 x 8 x 2 = 960 candidate sentences
    every = [
        sentence
        for article in articles
        for position in range(len(article.passages))
        for sentence in passage_sentences(article, position)
    ]
    prior = _evidence_prior(every)
    best_first = sorted(np.argsort(-prior, kind="stable")[:MAX_CANDIDATES])
    assert len(every) > MAX_CANDIDATES
    assert favoured_candidates(articles) == [every[i] for i in best_first]
    assert favoured_candidates(articles[:2]) == every[:32]  # few enough: all of them


def test_story_of_a_large_archive_splits_only_the_passages_it_may_use(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    split: list[str] = []
    monkeypatch.setattr(
        "bot.summary.split_sentences", lambda text: split.append(text) or split_sentences(text)
    )
    corpus = Corpus(tuple(archive(200)))  # 1,600 passages
    assert summarize_story(corpus).sentences
    assert len(split) <= MAX_CANDIDATES


def test_lead_baseline_takes_ledes(knowledge: Knowledge) -> None:
    ledes = lead_summary(knowledge.corpus.articles, 3)
    assert [lede.split()[0] for lede in ledes] == ["Senior", "President", "After"]


def test_method_beats_lead_3_on_rouge_against_our_reference_summaries(
    knowledge: Knowledge,
) -> None:
    references = json.loads(REFERENCES.read_text())
    assert set(references) == {"story", *(a.id for a in knowledge.corpus.articles)}
    rows = summary_rouge(knowledge.corpus, references)
    method = sum(sum(r.method) for r in rows) / (3 * len(rows))
    lead = sum(sum(r.lead) for r in rows) / (3 * len(rows))
    assert method > lead, (method, lead)
    story = next(r for r in rows if r.subject == "story")
    assert all(m > b for m, b in zip(story.method, story.lead, strict=True))
