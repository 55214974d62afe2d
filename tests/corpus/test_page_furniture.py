"""What is on a news page but is not the news: bylines, links to other articles, captions,
copyright lines and newsletter prompts stay out of the passages; tables, question
headings and quotations over several paragraphs are read so that a passage makes sense
alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.corpus import load_corpus
from bot.corpus.structure import is_page_furniture, split_label

EXPLAINER = """---
headline: "Your data may have been stolen. Here's what to do."
date: 2025-10-08
---
By Tomás Echeverría | Courier staff

Letters began arriving this week telling patients their data may have been taken.

## Will my medical care be affected?

No. The system says all patient records were restored.

Photo: Ambulances wait outside the emergency entrance on Sunday.

| Type of data | Patients affected |
|---|---|
| Diagnoses and treatment notes | about 188,000 |
| Social Security numbers | about 61,000 |

**Correction, Sept. 20, 2025:** An earlier version misstated the number. It is 61,000.

Related:

- Hackers took data of up to 412,000 patients, system says
- Patients sue over breach

Copyright 2025 The Port Delamere Courier. All rights reserved.

## Read more

- Some link to another story
"""

PAGE = """<html><head><title>Security chief tells lawmakers warnings went unheeded</title>
<meta property="og:type" content="article"></head><body><article>
<h1>Security chief tells lawmakers warnings went unheeded</h1>
<p>The top cybersecurity officer told state lawmakers on Tuesday that she warned executives
twice in 2024 that the remote-access software was out of date, and that a request for
$1.2 million to replace it was turned down by the finance committee that year.</p>
<p>She testified for nearly two hours before the House Health Committee in the capital,
saying the attackers got in through a vendor's account that did not need a second login.</p>
<p>Sign up for our Health newsletter to get stories like this in your inbox every Friday.</p>
</article></body></html>
"""


def test_an_explainers_furniture_is_left_out_and_its_parts_read_alone(tmp_path: Path) -> None:
    (tmp_path / "explainer.md").write_text(EXPLAINER, encoding="utf-8")
    [article] = load_corpus(tmp_path).corpus.articles
    assert [p.standalone for p in article.passages] == [
        "Letters began arriving this week telling patients their data may have been taken.",
        "Will my medical care be affected?\nNo. The system says all patient records were restored.",
        "Type of data: Diagnoses and treatment notes; Patients affected: about 188,000",
        "Type of data: Social Security numbers; Patients affected: about 61,000",
        "Correction, Sept. 20, 2025: An earlier version misstated the number. It is 61,000.",
    ]


def test_a_web_pages_newsletter_prompt_is_not_a_passage(tmp_path: Path) -> None:
    (tmp_path / "hearing.html").write_text(PAGE, encoding="utf-8")
    [article] = load_corpus(tmp_path).corpus.articles
    assert [p.text[:30] for p in article.passages] == [
        "The top cybersecurity officer ",
        "She testified for nearly two h",
    ]


def test_text_after_a_related_list_and_a_tables_photo_column_are_kept(tmp_path: Path) -> None:
    body = (
        "The council voted 5-2.\n\n### Related\n\n- Budget passes\n- Mayor vetoes plan\n\n"
        "The mayor has ten days to act.\n\n## Credit\n\nCredit card fees will be capped.\n\n"
        "| Photo | Credit |\n|---|---|\n| Flooded road | Lee Park |\n\n"
        "## Related\n\nCouncil race heats up\n\nBudget vote delayed\n\n"
        "Final: Rockets 104, Suns 99 (OT)\n\n"
        "By the numbers:\n\n- Photos: 48 residents sent videos\n"
    )
    (tmp_path / "vote.md").write_text(f"---\nheadline: H\ndate: 2025-03-01\n---\n{body}")
    [article] = load_corpus(tmp_path).corpus.articles
    assert [p.body for p in article.passages] == [
        "The council voted 5-2.",
        "The mayor has ten days to act.",
        "Credit card fees will be capped.",
        "Photo: Flooded road; Credit: Lee Park",
        "Final: Rockets 104, Suns 99 (OT)",
        "Photos: 48 residents sent videos",  # a figure in a list, not a caption
    ]


@pytest.mark.parametrize(
    "line",
    [
        "By Dana Whitcombe and Tomás Echeverría | Courier staff",
        "By Priya Natarajan, Courier staff",
        "By The Associated Press",
        "Copyright 2025 The Courier. All rights reserved.",
        "Advertisement",
        "Sign up for our Health newsletter to get stories in your inbox.",
        "Crews work the fire line near Ridgeway on Tuesday. (AP Photo/Jens Åkerlund)",
        "© Reuters",
        "(c) 2025 Gannett",
        "Copyright Reuters.",
        "Copyright Tri-County Herald 2025",
        "By Ana de la Cruz and Tom O'Brien Jr. | Staff writers",
        "By Kim Lee • Herald Staff Writer",
        "Staff and wire reports",
        "Written by Tom Baxter, Education Reporter",
        "Want more health news? Sign up for our weekly newsletter.",
        "Story continues below advertisement",
        "This story has been updated.",
        "Last updated: 11:58 p.m.",
        "Share this article",
        "Reporting by Priya Natarajan; Editing by Leslie Adler",
        "The Associated Press contributed to this report.",
        "Ice coats the trees in Riverton. (Photo by Jill Ortega/Getty Images)",
    ],
)
def test_bylines_credits_and_prompts_are_furniture(line: str) -> None:
    assert is_page_furniture(line)


@pytest.mark.parametrize(
    "line",
    [
        "By Tuesday, the agency had restored service on every line.",
        "By Monday Morning, crews had finished.",
        "By the numbers",
        "Subscribers were told by email that the fee rose.",
        "The photographer, who asked not to be named, said the copyright was hers.",
        "Copyright lawsuits against AI companies have multiplied since 2023.",
        "By Labor Day, Mayor Adams expects the bridge to reopen to traffic.",
        "By Christmas Eve, Santa Claus had delivered 5 billion presents.",
        "By The Numbers",
        "Sign up for county emergency alerts by text or email at alertmontgomery.gov.",
        "Copyright Office officials said Tuesday the rule stands.",
        "(c) the city must pay its share, the ruling says.",
        "(C) Repeat violators may lose their entertainment license for up to 90 days.",
        "Copyright 1928 and renewed in 1955, the cartoon's protection expired in 2024.",
        "Disney's contract ended with a phrase lawyers still quote: all rights reserved.",
        "Sign up for the fall sports season closes Friday, the district said in its newsletter.",
        "This story has been updated to correct the count: it was 602, not 206.",
    ],
)
def test_news_that_looks_like_furniture_is_kept(line: str) -> None:
    assert not is_page_furniture(line)


@pytest.mark.parametrize(
    "text",
    [
        "Correction officers at 3 jails walked off the job: the union said pay is too low.",
        "Updated figures for 2024 show: the deficit is $40 million.",
        "Editor's note (3/5/2025): It was 602 complaints, not 206.",
    ],
)
def test_text_that_opens_with_a_date_or_number_is_no_label(text: str) -> None:
    assert split_label(text) == (None, text)


@pytest.mark.parametrize("label", ["Credit", "Recommended"])
def test_labels_that_are_news_in_other_stories_are_kept(label: str, tmp_path: Path) -> None:
    body = f"{label}: Moody's cut the city's rating two notches.\n"
    (tmp_path / "a.md").write_text(f"---\nheadline: H\ndate: 2025-03-01\n---\n{body}")
    [article] = load_corpus(tmp_path).corpus.articles
    assert [p.label for p in article.passages] == [label]


def test_a_quotation_over_several_paragraphs_keeps_its_speaker(tmp_path: Path) -> None:
    body = (
        '"I put it in writing in March," Nguyen said. "Both times I was told to wait.\n\n'
        '"I say it because every hospital should check tonight.\n\n'
        '"Patients deserve that much."\n\n'
        '"We will appeal," a lawyer for the system said.\n\n'
        "The guard measured 6'2\" in socks at the combine.\n\n"
        '"Expect delays through Friday," spokesman Lee Park said.\n\n'
        "## What did the mayor say?\n\n"
        'Mayor Brandt said: "We will rebuild every house.\n\n'
        '"It will take years."\n'
    )
    (tmp_path / "hearing.md").write_text(f"---\nheadline: H\ndate: 2025-10-14\n---\n{body}")
    [article] = load_corpus(tmp_path).corpus.articles
    named = '"I put it in writing in March," Nguyen said.'
    mayor = 'Mayor Brandt said: "We will rebuild every house.'
    assert [p.lead_in for p in article.passages] == [
        None,
        named,
        named,
        None,
        None,  # an inch mark opens no quotation
        None,
        "What did the mayor say?",
        mayor,  # its speaker, not the question above
    ]


def test_a_dash_names_a_speaker_only_where_it_reads_as_one(tmp_path: Path) -> None:
    body = (
        '"The budget is balanced."\n— Mayor Angela Brandt\n\n'
        "Gomez said the vote would pay for a new roof at Lincoln Middle School\n"
        "— the district's oldest building —\nand air conditioning by 2027.\n\n"
        "The fire chief spoke at noon.\n\n"
        "— 3:15 p.m.: Investigators said the fire was set.\n\n"
        "The judge set a hearing for May.\n— With reporting by Lena Ortiz\n"
    )
    (tmp_path / "live.md").write_text(f"---\nheadline: Live\ndate: 2025-01-08\n---\n{body}")
    [article] = load_corpus(tmp_path).corpus.articles
    assert [(p.text, p.attribution) for p in article.passages] == [
        ('"The budget is balanced."', "Mayor Angela Brandt"),
        (
            "Gomez said the vote would pay for a new roof at Lincoln Middle School — the "
            "district's oldest building — and air conditioning by 2027.",
            None,
        ),
        ("The fire chief spoke at noon.", None),
        ("— 3:15 p.m.: Investigators said the fire was set.", None),
        ("The judge set a hearing for May.", None),
    ]
