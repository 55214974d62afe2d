"""The analyzer: the same terms for a passage and for the question that should find it."""

from __future__ import annotations

import pytest

from bot import analysis
from bot.analysis import analyze


def test_stems_and_drops_stop_words() -> None:
    assert analyze("How many missiles did Iran launch?") == ["missil", "iran", "launch"]


@pytest.mark.parametrize(
    ("written", "asked"),
    [
        ("U.S. troops", "US troops"),
        ("IRGC's aerospace unit", "the irgc"),
        ("Al-Assad", "Al Assad"),
        ("Khamenei", "Khāmeneī"),
        ("Soleimani’s killing", "Soleimani's killed"),
        ("Federal Aviation Administration", "FAA"),
        ("ＩＲＧＣ", "IRGC"),
    ],
)
def test_written_and_asked_forms_share_terms(written: str, asked: str) -> None:
    assert set(analyze(asked)) <= set(analyze(written))


def test_country_us_is_kept_and_pronoun_us_is_dropped() -> None:
    assert analyze("the U.S. told us") == ["us", "told"]
    assert analyze("What did the US say?") == ["us"]


def test_times_and_numbers_stay_whole() -> None:
    assert sorted(analyze("At 5:30 p.m. on January 7, 2020")) == [
        "2020",
        "5:30",
        "7",
        "januari",
        "pm",
    ]


def test_text_in_capitals_is_not_read_as_acronyms() -> None:
    assert analyze("HOW MANY MISSILES DID IRAN LAUNCH") == analyze(
        "how many missiles did iran launch"
    )


@pytest.mark.parametrize(
    ("question", "read"),
    [
        ("What did the FTC decide?", "What did the Federal Trade Commission decide?"),
        ("Did the FTC and the FAA meet?", "Did the Federal Trade Commission and the FAA meet?"),
        ("What did the NTSB find?", "What did the NTSB find?"),  # no such name: as asked
        ("Who won the NFL title?", "Who won the NFL title?"),  # the text writes it too
        ("What did the FDA say?", "What did the FDA say?"),  # two names: either would do
        ("WHAT DID THE FTC DECIDE", "WHAT DID THE FTC DECIDE"),  # capitals say nothing
    ],
)
def test_an_acronym_is_read_as_the_one_name_the_texts_give_it(question: str, read: str) -> None:
    texts = [
        "The Federal Trade Commission closed its review. Regulators in Washington agreed.",
        "The National Football League (NFL) named the Food and Drug Administration a sponsor.",
        "The Florida Dental Association disagreed.",
    ]
    assert analysis.acronyms_spelled_out(question, texts) == read


def test_hyphenated_words_give_the_whole_and_its_parts() -> None:
    assert analyze("de-escalation") == ["de-escal", "de", "escal"]


@pytest.mark.parametrize("text", ["", "   ", "🚀🔥", "?!…", "the of and"])
def test_text_without_words_has_no_terms(text: str) -> None:
    assert analyze(text) == []


def test_other_scripts_are_tokenised_not_dropped() -> None:
    assert analyze("Что случилось в Иране?") == ["что", "случилось", "иране"]


def test_a_word_gives_the_same_terms_whatever_punctuation_it_carries() -> None:
    bare = analyze("Iran's missiles U.S. Al-Assad")
    assert analyze('"Iran\'s missiles," (U.S.) Al-Assad.') == bare


def test_the_same_word_reads_by_its_text_not_by_what_was_read_before() -> None:
    # "US" is the country in ordinary text and the pronoun in text all in capitals,
    # whichever of the two the analyzer met first.
    assert analyze("WHAT DID US TROOPS SEE") == ["troop", "see"]
    assert analyze("What did US troops see") == ["us", "troop", "see"]
    assert analyze("WHAT DID US TROOPS SEE") == ["troop", "see"]


def test_terms_stay_right_when_the_remembered_words_are_forgotten(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(analysis, "_PIECE_CACHE_LIMIT", 2)
    for _ in range(3):
        assert analyze("Iran launched 22 missiles at U.S. bases") == [
            "iran",
            "launch",
            "22",
            "missil",
            "us",
            "base",
        ]


def test_a_title_and_its_news_style_abbreviation_are_spellings_of_one_term() -> None:
    assert analysis.spellings("governor") == ("governor", "gov")
    assert analysis.spellings(analyze("Capt.")[0]) == ("capt", "captain")
    assert analysis.spellings("senat") == ("senat",)  # "Senate" stems so too
    assert analysis.spellings("missil") == ("missil",)
    assert analyze("Gov. Ellen Marsh") == ["gov", "ellen", "marsh"]  # indexed as written


def test_titles_before_names_are_written_out_for_the_models() -> None:
    assert analysis.spelled_out("Lt. Gov. Jane Doe met Capt. Luis Ferreira.") == (
        "Lieutenant Governor Jane Doe met Captain Luis Ferreira."
    )
    assert analysis.spelled_out("He left Gov. in a hurry.") == "He left Gov. in a hurry."
