"""Answers: the right passage and headline, a plain decline, and clear words for bad input."""

from __future__ import annotations

import pytest

from bot.analysis import analyze
from bot.answer import (
    MAX_QUESTION_CHARS,
    Answerer,
    QuestionError,
    _check_windows,
    clean_question,
)
from bot.corpus import Article, Corpus, Passage
from bot.highlight import best_sentence

ALL_IS_WELL = 'Trump says "all is well" after Iranian strikes on bases hosting U.S. troops'


def test_missile_question_gets_a_dozen_ballistic_missiles_passage(answerer: Answerer) -> None:
    answer = answerer.answer("How many missiles did Iran launch?")
    assert answer.best is not None
    assert "more than a dozen ballistic missiles" in answer.best.ref.passage.text
    assert answer.best.ref.article.headline in {
        "Signs of respite with Iran despite Trump's red line",
        ALL_IS_WELL,
    }
    assert answer.sentence is not None and "more than a dozen" in answer.sentence


def test_answer_names_headline_and_highlights_the_matching_sentence(answerer: Answerer) -> None:
    answer = answerer.answer("What did Pelosi tell the room?")
    assert answer.best is not None
    assert answer.best.ref.article.headline == ALL_IS_WELL
    assert answer.best.ref.passage.label == "Behind the scenes"
    assert answer.sentence == "Pelosi told the room to pray."


def test_what_someone_said_is_bold_in_their_words_not_the_line_that_names_them(
    answerer: Answerer,
) -> None:
    # The tweet is quoted, then attributed: "... tomorrow morning." — Trump on Twitter
    answer = answerer.answer("What did Trump say on Twitter?")
    assert answer.best is not None
    assert answer.best.ref.passage.body.endswith("— Trump on Twitter")
    assert answer.sentence == "All is well!"


def test_a_speakers_line_is_bold_for_who_or_when_it_is_all_there_is() -> None:
    lines = ["— Trump on Twitter"]
    assert best_sentence("What did Trump say?", lines, {"trump": 1.0}, str.split) == lines[0]
    two = ["All is well!", "— Trump on Twitter"]
    terms = {"twitter": 1.0}  # only the speaker's line shares the question's word
    assert best_sentence("Who said that on Twitter?", two, terms, analyze) == two[1]
    assert best_sentence("What was said on Twitter?", two, terms, analyze) == two[0]


def test_acronym_question_finds_the_spelled_out_name(answerer: Answerer) -> None:
    answer = answerer.answer("What did the FAA do?")
    assert answer.best is not None
    assert answer.best.ref.passage.text.startswith("The Federal Aviation Administration issued")


def test_he_said_passage_is_found_by_its_speaker(answerer: Answerer) -> None:
    answer = answerer.answer("Did Khamenei say military action was sufficient?")
    assert answer.best is not None
    assert answer.best.ref.passage.text.startswith('"Military action like this is not sufficient,"')


def test_results_are_ranked_and_limited(answerer: Answerer) -> None:
    answer = answerer.answer("What did Trump tweet?", results=4)
    assert len(answer.results) == 4
    assert answer.results[0] == answer.best
    scores = [hit.score for hit in answer.results]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize(
    "question",
    [
        "What is the capital of France?",
        "Who won the 2019 World Series?",
        "How many missiles did North Korea test last year?",
        "Что случилось в Москве?",
    ],
)
def test_off_topic_questions_are_declined(answerer: Answerer, question: str) -> None:
    assert answerer.answer(question).best is None


@pytest.mark.parametrize("question", ["", "   \n\t ", "<@123456789012345678>", "@everyone"])
def test_empty_questions_get_a_clear_message(answerer: Answerer, question: str) -> None:
    with pytest.raises(QuestionError, match="Ask a question about the coverage"):
        answerer.answer(question)


def test_huge_question_is_refused_with_its_length(answerer: Answerer) -> None:
    with pytest.raises(QuestionError, match="5,000 characters long; please keep it to 1,000 at"):
        answerer.answer("Iran missiles? " * 333 + "Iran?")


def test_question_at_the_limit_is_answered(answerer: Answerer) -> None:
    question = ("Iran missiles " * 100)[:MAX_QUESTION_CHARS]
    assert answerer.answer(question).best is not None


@pytest.mark.parametrize("question", ["🚀🔥💥", "???"])
def test_questions_without_words_get_a_clear_message(answerer: Answerer, question: str) -> None:
    with pytest.raises(QuestionError, match="no words to search for; ask it in words"):
        answerer.answer(question)


@pytest.mark.parametrize("question", ["the of and", "What is it?"])
def test_questions_of_common_words_only_are_told_so(answerer: Answerer, question: str) -> None:
    with pytest.raises(QuestionError, match="only ones too common to tell one passage from"):
        answerer.answer(question)


def test_mentions_and_markdown_are_not_searched(answerer: Answerer) -> None:
    plain = answerer.answer("What did Pelosi tell the room?")
    marked = answerer.answer("<@!1234> @everyone **What** did _Pelosi_ tell the room? <#999>")
    assert marked.question == "**What** did _Pelosi_ tell the room?"
    assert marked.best == plain.best


def test_control_characters_are_dropped() -> None:
    assert clean_question("Who\x00 is\u200b\x1b Pelosi?\r\n") == "Who is Pelosi?"


def test_a_mention_split_by_an_invisible_character_is_still_dropped() -> None:
    # Dropping the zero-width space after the mentions would join "@everyone" again.
    assert clean_question("@ever\u200byone What did the FAA do?") == "What did the FAA do?"
    assert clean_question("<@12\u2060345> Who is Pelosi?") == "Who is Pelosi?"


def test_a_zero_width_space_parts_words_and_a_soft_hyphen_joins_them() -> None:
    assert clean_question("When was Maple\u200bRidge built?") == "When was Maple Ridge built?"
    assert clean_question("What did the gov\u00adernor say?") == "What did the governor say?"
    assert clean_question("Who is\u200b\u200bPelosi?") == "Who is Pelosi?"


def test_a_zero_width_space_inside_a_word_leaves_the_word_whole() -> None:
    # A line-break hint pasted from a web page or a chat app, mid-word.
    assert clean_question("What did Alma Tor\u200bres say?") == "What did Alma Torres say?"
    assert clean_question("How many be\u200bds?") == "How many beds?"


def test_an_escape_sequence_in_a_question_goes_whole() -> None:
    assert clean_question("How many\x07 beds\x1b[31m will it have?") == (
        "How many beds will it have?"
    )


def test_custom_emoji_keeps_its_name() -> None:
    assert clean_question("<:iran:123456> missiles") == "iran missiles"


def test_one_paragraph_corpus_answers_and_declines() -> None:
    article = Article("a", "Headline", (Passage("Iran launched missiles at bases in Iraq."),))
    answerer = Answerer(Corpus((article,)))
    assert answerer.answer("Did Iran launch missiles?").best is not None
    assert answerer.answer("What about the weather in Paris?").best is None


def test_empty_corpus_declines_everything() -> None:
    assert Answerer(Corpus(())).answer("How many missiles?").best is None


def test_a_name_the_coverage_never_uses_is_declined(answerer: Answerer) -> None:
    question = "How many missiles did North Korea launch against Iran?"
    assert answerer.unknown_names(question) == ["North", "Korea"]
    answer = answerer.answer(question)
    assert answer.best is None
    assert answer.evidence == 0.0
    assert answerer.unknown_names("Where was Soleimani killed?") == []


def test_a_question_in_capitals_is_not_read_for_names(answerer: Answerer) -> None:
    assert answerer.unknown_names("HOW MANY MISSILES DID IRAN FIRE AT BASES?") == []


def test_a_name_found_only_in_a_headline_is_known() -> None:
    article = Article(
        id="budget",
        headline="Zorblat council approves the budget",
        passages=(Passage("The council approved the budget on Monday by six votes to one."),),
    )
    answerer = Answerer(Corpus((article,)))
    assert answerer.unknown_names("What did the Zorblat council approve?") == []


FLOOD = Corpus(
    (
        Article(
            "cleanup",
            "As waters recede, Millbrook counts the cost of its worst flood",
            (
                Passage("The flood damaged 640 homes on the east side, the city said."),
                Passage(
                    "Gov. Ellen Marsh toured the east side by helicopter and said she would "
                    "ask for a federal disaster declaration."
                ),
                Passage(
                    "Capt. Luis Ferreira of the fire department was not available for comment."
                ),
            ),
        ),
        Article(
            "schools",
            "School board votes to delay the start of classes",
            (Passage("Superintendent Karen Cho said classes would start two weeks late."),),
        ),
    )
)


@pytest.mark.parametrize(
    ("question", "found"),
    [
        ("What did the governor do?", "Gov. Ellen Marsh toured"),
        ("Did the fire captain speak?", "Capt. Luis Ferreira"),
        ("What did Supt. Cho say about the classes?", "Superintendent Karen Cho"),
    ],
)
def test_a_title_is_found_however_news_style_spells_it(question: str, found: str) -> None:
    """Passages write "Gov. Ellen Marsh", readers ask about "the governor": BM25 alone
    found no candidate at all for the question, and the name check declined "Supt."."""
    answer = Answerer(FLOOD).answer(question)
    assert answer.best is not None
    assert answer.best.ref.passage.text.startswith(found)


def test_the_sentence_set_in_bold_is_found_by_a_title_however_it_is_spelled() -> None:
    passage = (
        "Mayor Tom Reyes said the city was grateful for the help. "
        "Gov. Ellen Marsh said the state would send 40 trucks of bottled water."
    )
    corpus = Corpus((Article("water", "Help arrives in Millbrook", (Passage(passage),)),))
    answer = Answerer(corpus).answer("What did the governor promise Millbrook?")
    assert answer.sentence == (
        "Gov. Ellen Marsh said the state would send 40 trucks of bottled water."
    )


def test_the_answer_check_reads_titles_written_out() -> None:
    ref = FLOOD.passages[1]
    assert _check_windows(ref) == [
        "As waters recede, Millbrook counts the cost of its worst flood. Governor Ellen Marsh "
        "toured the east side by helicopter and said she would ask for a federal disaster "
        "declaration."
    ]


def test_a_word_that_only_stems_like_a_title_is_not_taken_for_it() -> None:
    """ "Senate" stems as "senator" does, so "Sen." is no spelling of it."""
    corpus = Corpus((Article("a", "Storm", (Passage("Sen. Luis Ferreira was not available."),)),))
    assert Answerer(corpus).answer("What did the Senate vote on?").best is None
