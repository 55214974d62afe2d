"""The bundled scraped pages: every article recovered once, with its details and passages."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from bot.corpus import Corpus, PassageKind

ALL_IS_WELL = 'Trump says "all is well" after Iranian strikes on bases hosting U.S. troops'
STANDING_DOWN = 'Trump responds to missile strikes: "Iran appears to be standing down"'
RESPITE = "Signs of respite with Iran despite Trump's red line"
MIMIC = "Top Iranian official appears to mimic Trump tweet from Soleimani's killing"


def by_headline(corpus: Corpus, headline: str):
    return next(a for a in corpus.articles if a.headline == headline)


def test_each_article_on_the_two_pages_is_recovered_once(bundled: Corpus) -> None:
    assert sorted(a.headline for a in bundled.articles) == sorted(
        [ALL_IS_WELL, STANDING_DOWN, RESPITE, MIMIC]
    )


def test_link_only_headline_is_not_an_article(bundled: Corpus) -> None:
    headlines = [a.headline for a in bundled.articles]
    assert "Iran fires missiles at Iraqi bases hosting U.S. troops" not in headlines


def test_dates_and_updated_flags(bundled: Corpus) -> None:
    jan_8 = dt.date(2020, 1, 8)
    assert {a.headline: (a.date, a.updated) for a in bundled.articles} == {
        ALL_IS_WELL: (jan_8, True),
        STANDING_DOWN: (jan_8, False),
        RESPITE: (jan_8, False),
        MIMIC: (jan_8, False),
    }
    assert by_headline(bundled, ALL_IS_WELL).date_text == "Updated Jan 8, 2020"


def test_teaser_and_full_article_merge_into_the_fullest_text(bundled: Corpus) -> None:
    article = by_headline(bundled, ALL_IS_WELL)
    assert len(article.passages) == 20
    assert article.source == "axios-trump-says-all-is-well-2020-01-08.txt"
    assert article.passages[-1].label == "Flashback"


def test_teaser_without_date_line_takes_the_date_of_its_full_sighting(bundled: Corpus) -> None:
    # On the "all is well" page the last teaser has no "Go deeperArrow" date line.
    assert by_headline(bundled, MIMIC).date == dt.date(2020, 1, 8)


def test_captions_are_kept_apart_from_the_passages(bundled: Corpus) -> None:
    assert by_headline(bundled, RESPITE).caption == "Photo: Alex Wong/Getty Images"
    assert by_headline(bundled, STANDING_DOWN).caption is None
    texts = [ref.passage.text for ref in bundled.passages]
    assert not any("Photo:" in text for text in texts)


def test_no_passage_is_indexed_twice(bundled: Corpus) -> None:
    counts = Counter(ref.passage.text for ref in bundled.passages)
    assert [text for text, n in counts.items() if n > 1] == []
    assert len(bundled.passages) == 26


def test_navigation_and_editors_notes_are_never_passages(bundled: Corpus) -> None:
    for ref in bundled.passages:
        assert "Go deeper" not in ref.passage.standalone
        assert "This article has been updated" not in ref.passage.standalone


def test_labels_are_kept(bundled: Corpus) -> None:
    labels = [p.label for p in by_headline(bundled, ALL_IS_WELL).passages if p.label]
    assert labels == [
        "Why it matters",
        "Pentagon statement",
        "Islamic Revolutionary Guard Corps",
        "Context",
        "Behind the scenes",
        "The reaction",
        "Flashback",
    ]
    assert by_headline(bundled, MIMIC).passages[1].body.startswith("The backstory: President")


def test_quote_keeps_its_attribution(bundled: Corpus) -> None:
    quote = by_headline(bundled, ALL_IS_WELL).passages[2]
    assert quote.kind is PassageKind.QUOTE
    assert quote.text.startswith('"All is well! Missiles launched from Iran')
    assert quote.attribution == "Trump on Twitter"
    assert quote.body.endswith('I will be making a statement tomorrow morning." — Trump on Twitter')


def test_he_said_bullet_carries_who_he_is(bundled: Corpus) -> None:
    article = by_headline(bundled, ALL_IS_WELL)
    military = next(p for p in article.passages if p.text.startswith('"Military action'))
    assert military.kind is PassageKind.BULLET
    assert military.lead_in is not None
    assert military.lead_in.startswith("Iran's Supreme Leader Ayatollah Ali Khamenei said")
    assert military.standalone.endswith('presence of America in the region."')

    singh = next(p for p in article.passages if p.text.startswith('"Had there been'))
    assert singh.lead_in is not None and singh.lead_in.startswith("Michael Singh, managing")


def test_bullets_that_stand_alone_have_no_lead_in(bundled: Corpus) -> None:
    article = by_headline(bundled, ALL_IS_WELL)
    pentagon = next(p for p in article.passages if p.label == "Pentagon statement")
    assert pentagon.kind is PassageKind.BULLET
    assert pentagon.lead_in is None
    assert pentagon.standalone == pentagon.body


def test_article_ids_are_short_unique_slugs(bundled: Corpus) -> None:
    ids = [a.id for a in bundled.articles]
    assert len(set(ids)) == len(ids)
    assert by_headline(bundled, RESPITE).id == "signs-of-respite-with-iran-despite-trumps-d6ac47"


def test_articles_are_found_by_id_or_by_words_of_their_headline(bundled: Corpus) -> None:
    assert [
        a.headline
        for a in bundled.find_articles("signs-of-respite-with-iran-despite-trumps-d6ac47")
    ] == [RESPITE]
    assert [a.headline for a in bundled.find_articles("trump respond")] == [STANDING_DOWN]
    assert len(bundled.find_articles("Trump")) == 4
    assert bundled.find_articles("") == []


def test_date_range_of_the_coverage(bundled: Corpus) -> None:
    assert bundled.date_range == (dt.date(2020, 1, 8), dt.date(2020, 1, 8))
