"""Articles from web pages and saved .html files: fetched politely, extracted, refused
when they are not articles, and written into the corpus as Markdown the bot answers from."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import os
import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from web_site import (
    DEPOT_PARAGRAPHS,
    LISTING,
    PAYWALL,
    Site,
    article_page,
    closed_port,
    filler_paragraphs,
    running_site,
)

from bot.cli import main
from bot.corpus import load_corpus
from bot.corpus.html import NotAnArticle, WebArticle, extract_article
from bot.corpus.writer import CorpusWriter
from bot.fetching import (
    ContentKind,
    Fetched,
    Fetcher,
    FetchLimits,
    FetchTimeout,
    Unreachable,
)
from bot.index_folder import current_generation
from bot.integrity import read_manifest

DEPOT = "Calder Falls council approves new bus depot"
DEPOT_FILE = "2025-03-22-calder-falls-council-approves-new-bus-depot.md"


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    with running_site() as site:
        yield site


pytestmark = pytest.mark.usefixtures("no_settings")


NEW_FOLDER = "note: made the corpus folder news, which was not there\n"
DEPOT_UPDATED = [*DEPOT_PARAGRAPHS, "Update: the state added $5 million for electric chargers."]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def depot_page(site: Site, path: str = "/article/depot", **kwargs: str) -> str:
    canonical = site.url("/article/depot")
    return site.serve(path, article_page(DEPOT, DEPOT_PARAGRAPHS, canonical=canonical, **kwargs))


def test_add_writes_the_article_as_markdown_the_bot_answers_from(
    site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = depot_page(site)
    code, out, err = run(capsys, "add", "--corpus", "news", url)
    assert (code, err) == (0, NEW_FOLDER)  # a mistyped --corpus would show
    assert out == f"added: {DEPOT} (4 passages) -> news/{DEPOT_FILE}\n"
    text = (tmp_path / "news" / DEPOT_FILE).read_text(encoding="utf-8")
    assert text.startswith(
        f"---\nheadline: {DEPOT}\ndate: '2025-03-22'\nurl: {url}\nsource: Valley Courier\n"
        "author: Dana Whitfield\nwritten_by: coverage-bot\nwritten_sha256: "
    )
    # what was written, so that a later edit can be told apart (the stamp line aside)
    stamp = re.search(r"^written_sha256: ([0-9a-f]{64})\n", text, re.MULTILINE)
    assert stamp is not None
    unstamped = text.replace(stamp[0], "")
    assert hashlib.sha256(unstamped.encode()).hexdigest() == stamp[1]
    assert "By Dana Whitfield" not in text and "All rights reserved" not in text  # boilerplate
    code, out, _ = run(capsys, "--corpus", "news", "ask", "How much will the bus depot cost?")
    assert code == 0 and "$48 million" in out and "Mar 22, 2025" in out
    user_agent = site.asked("/article/depot")[-1]["User-Agent"]
    assert user_agent.startswith("coverage-bot/") and "news coverage" in user_agent


def test_a_host_that_does_not_resolve_is_said_in_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # No lookup leaves the machine: the resolver itself says the name is unknown.
    def unknown(*_: object, **__: object) -> None:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", unknown)
    code, _, err = run(capsys, "add", "--corpus", "news", "http://bücher.example/x")
    assert code == 1
    assert "cannot find the host bücher.example (no such name)" in err
    assert "Unknown error" not in err


def test_every_failure_is_one_line_and_the_other_inputs_still_go_in(
    site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = depot_page(site)
    port = closed_port()
    site.huge_bytes_sent = 0
    inputs = {
        f"http://127.0.0.1:{port}/news": f"cannot connect to 127.0.0.1:{port} (Connection refused)",
        site.url("/missing"): "HTTP 404 Not Found",
        site.url("/error"): "HTTP 500 Internal Server Error",
        site.url("/loop-a"): f"redirect loop back to {site.url('/loop-a')}",
        site.url("/malformed-redirect"): "redirected to a malformed address",
        site.url("/image"): "is image/png, not an HTML page",
        site.url("/huge-declared"): "is 50.0 MB, more than the 5.0 MB limit",
        "ftp://127.0.0.1/file": "not an http(s) address",
        "no-such-page.html": "cannot be read: No such file or directory",
    }
    code, out, err = run(capsys, "add", "--corpus", "news", *inputs, good)
    assert code == 1
    assert err.splitlines() == [
        *(f"refused {given}: {why}" for given, why in inputs.items()),
        NEW_FOLDER.strip(),
    ]
    assert out == f"added: {DEPOT} (4 passages) -> news/{DEPOT_FILE}\n"
    assert site.huge_bytes_sent < 10 * 1024 * 1024  # refused on its Content-Length


def test_a_new_corpus_folder_that_nothing_went_into_is_not_left_behind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "add", "--corpus", "typo/newz", "no-such-page.html")
    assert (code, out) == (1, "")
    assert err == "refused no-such-page.html: cannot be read: No such file or directory\n"
    assert not (tmp_path / "typo").exists()


async def test_a_page_larger_than_the_cap_is_not_read_whole(site: Site) -> None:
    site.huge_bytes_sent = 0
    async with Fetcher() as fetcher:
        with pytest.raises(Exception, match=r"is more than the 5\.0 MB limit"):
            await fetcher.get(site.url("/huge"), ContentKind.PAGE)
    assert site.huge_bytes_sent < 20 * 1024 * 1024  # of 50 MB


async def test_a_slow_page_times_out_in_one_line(site: Site) -> None:
    async with Fetcher(FetchLimits(timeout=0.2)) as fetcher:
        with pytest.raises(FetchTimeout) as caught:
            await fetcher.get(site.url("/slow"), ContentKind.PAGE)
    assert str(caught.value) == f"{site.url('/slow')}: no response within 0.2 s"


async def test_a_response_that_is_not_valid_http_is_one_plain_line() -> None:
    async def broken_chunks(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"<html><body>not a chunk size\r\n"
        )
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(broken_chunks, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/stream"
    try:
        async with Fetcher(FetchLimits(timeout=5)) as fetcher:
            with pytest.raises(Unreachable) as caught:
                await fetcher.get(url, ContentKind.PAGE)
    finally:
        server.close()
        await server.wait_closed()
    assert str(caught.value) == f"{url}: the server's response is not valid HTTP"


async def test_a_redirect_is_followed_to_the_article(site: Site) -> None:
    depot_page(site)
    async with Fetcher() as fetcher:
        page = await fetcher.get(site.url("/moved"), ContentKind.PAGE)
    assert page.url == site.url("/article/depot")
    assert extract_article(page.body, page.url).headline == DEPOT


@pytest.mark.parametrize(
    ("page", "why"),
    [
        (
            LISTING,
            r"it looks like a list of articles \(4 headlines with a line or two each\), not one "
            "article",
        ),
        (
            "<html><head><title>Latest news | Valley Courier</title></head><body><ul>"
            + "".join(
                f'<li><a href="/s{n}">Council approves budget item {n} after a long debate</a>'
                f" <time>Nov {n + 1}, 2025</time></li>"
                for n in range(25)
            )
            + "</ul></body></html>",
            r"it looks like a list of articles \(25 linked headlines make up most of its "
            r"text\), not one article",
        ),
        (PAYWALL, r"it looks like a paywall: \d+ words of text, then a subscription prompt"),
        (
            article_page("Council meets", ["The council met on Monday."]),
            r"too little text for an article \(\d+ words; at least 80\)",
        ),
        ("<html><body><p>" + "word " * 200 + "</p></body></html>", "the page has no headline"),
    ],
    ids=["listing", "links", "paywall", "stub", "no-headline"],
)
def test_pages_that_are_not_articles_are_refused_with_the_reason(page: str, why: str) -> None:
    with pytest.raises(NotAnArticle) as refused:
        extract_article(page)
    assert re.fullmatch(why, str(refused.value))


def test_an_article_that_links_a_few_words_in_each_paragraph_is_an_article() -> None:
    linked = ["city transit agency", "the city council", "the depot plan", "the union leaders"]
    linked += ["the mayor's office", "the old railyard", "its bus drivers", "the summer timetable"]
    paragraphs = [
        f'Paragraph {n}: <a href="/p/{n}">{phrase}</a> said on Monday that the changes to '
        "the depot would be reviewed by the council before the summer timetable, and that "
        "riders would be told at every stop."
        for n, phrase in enumerate(linked)
    ]  # eight linked phrases of three words: a small share of the text
    article = extract_article(article_page(DEPOT, paragraphs))
    assert (article.headline, len(article.passages)) == (DEPOT, 8)


def test_a_listing_page_said_to_be_a_website_is_refused(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    listing = LISTING.replace("</title>", '</title><meta property="og:type" content="website">')
    url = site.serve("/city", listing)
    code, out, err = run(capsys, "add", "--corpus", "news", url)
    assert (code, out) == (1, "")
    assert err == f"refused {url}: the page says it is a 'website', not an article (og:type)\n"


def test_the_same_article_again_updates_its_one_file(
    site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = depot_page(site)
    run(capsys, "add", "--corpus", "news", url)
    site.serve("/article/depot", article_page(DEPOT, DEPOT_UPDATED, canonical=url))
    # and once more from another address that names the same canonical url
    site.serve("/amp/depot", article_page(DEPOT, DEPOT_UPDATED, canonical=url))
    code, out, _ = run(capsys, "add", "--corpus", "news", url, site.url("/amp/depot"))
    assert code == 0
    assert out.splitlines() == [
        f"updated: {DEPOT} (5 passages) -> news/{DEPOT_FILE}",
        f"unchanged: {DEPOT} (5 passages) -> news/{DEPOT_FILE}",  # the same text again
    ]
    assert [p.name for p in (tmp_path / "news").iterdir()] == [DEPOT_FILE]
    assert "electric chargers" in (tmp_path / "news" / DEPOT_FILE).read_text(encoding="utf-8")


def test_same_headline_date_and_text_at_another_url_is_the_same_article(
    site: Site, tmp_path: Path
) -> None:
    first = extract_article(article_page(DEPOT, DEPOT_PARAGRAPHS), "https://a.example/depot")
    again = extract_article(article_page(DEPOT, DEPOT_PARAGRAPHS), "https://b.example/depot")
    writer = CorpusWriter(tmp_path / "news")
    assert writer.write(first).updated is False
    assert CorpusWriter(tmp_path / "news").write(again).updated is True
    assert len(list((tmp_path / "news").iterdir())) == 1


def test_another_text_under_the_same_headline_and_date_is_another_article(
    tmp_path: Path,
) -> None:
    """A recurring headline ("Letters to the editor") at a new url is a new article."""
    letters = "Letters to the editor"
    first = extract_article(
        article_page(letters, filler_paragraphs("the bus depot")), "https://a.example/l/1"
    )
    second = extract_article(
        article_page(letters, filler_paragraphs("the library hours")), "https://a.example/l/2"
    )
    writer = CorpusWriter(tmp_path / "news")
    assert writer.write(first).updated is False
    assert writer.write(second).updated is False
    assert len(list((tmp_path / "news").glob("*.md"))) == 2


def test_a_page_whose_charset_only_its_header_names_is_read_in_that_charset(
    site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    award = (
        "The owner of Café Señorita, José Müller, won the regional small-business award on"
        " Friday for the café's crème brûlée and its façade restoration."
    )
    # Guessed from its bytes, this page reads as windows-1250: "Seńorita".
    page = article_page("Café owner wins regional award", [award, *filler_paragraphs("the café")])
    page = page.replace('<meta charset="utf-8">', "")
    url = site.serve("/cp1252", page.encode("cp1252"), "text/html; charset=windows-1252")
    assert run(capsys, "add", "--corpus", "news", url)[0] == 0
    [written] = (tmp_path / "news").glob("*.md")
    assert award in written.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("charset", "markup"),
    [
        ("ISO-8859-1", "\u201cquoted\u201d café"),  # read as windows-1252, as browsers do
        ("x-no-such-charset", b"\x93quoted\x94 caf\xe9"),  # left to the page reader
        ("base64", b"\x93quoted\x94 caf\xe9"),  # a codec, but not of text
        ("idna", b"\x93quoted\x94 caf\xe9"),  # a text codec that cannot read it
        (None, b"\x93quoted\x94 caf\xe9"),
    ],
)
def test_a_pages_markup_is_decoded_by_its_headers_charset_when_python_knows_it(
    charset: str | None, markup: str | bytes
) -> None:
    page = Fetched(
        "https://a.example/", b"\x93quoted\x94 caf\xe9", "text/html", charset, None, None
    )
    assert page.markup == markup


def test_a_page_is_dated_as_it_says_not_by_a_guess_from_its_text() -> None:
    page = article_page(DEPOT, DEPOT_PARAGRAPHS)
    undated = re.sub(r'<meta property="article:published_time"[^>]*>', "", page)
    assert "© 2025 Valley Courier" in undated  # all the year it has left
    assert extract_article(undated).date is None
    feed_date = dt.date(2025, 3, 21)
    assert extract_article(undated, date=feed_date).date == feed_date


def test_a_page_dated_where_it_is_already_tomorrow_keeps_its_date() -> None:
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    page = article_page(DEPOT, DEPOT_PARAGRAPHS, date=tomorrow.isoformat())
    assert extract_article(page).date == tomorrow


@pytest.mark.parametrize("h1", [False, True])
@pytest.mark.parametrize(
    "title",
    [
        "Council approves $4.2 million budget for U.S. 30 bridge repair | Maple Ridge Gazette",
        "Maple Ridge Gazette - Council approves $4.2 million budget for U.S. 30 bridge repair",
    ],
)
def test_a_headline_with_a_full_stop_is_not_taken_for_the_site_name(title: str, h1: bool) -> None:
    # trafilatura takes the side of the <title> holding a "." for the site's domain.
    headline = "Council approves $4.2 million budget for U.S. 30 bridge repair"
    heading = f"<h1>{headline}</h1>" if h1 else ""
    paragraphs = "".join(f"<p>{p}</p>" for p in filler_paragraphs("the bridge"))
    page = f"<html><head><title>{title}</title></head><body><article>{heading}{paragraphs}"
    article = extract_article(page + "</article></body></html>", "https://gazette.example/a")
    assert (article.headline, article.source) == (headline, "Maple Ridge Gazette")


@pytest.mark.parametrize(
    ("headline", "name"),
    [
        (
            "Городской совет утвердил бюджет на 2027 год",
            "городской-совет-утвердил-бюджет-на-2027-год",
        ),
        ("Café owner wins award", "cafe-owner-wins-award"),
        ("नगर निगम ने बजट पास किया", "नगर-निगम-ने-बजट-पास-किया"),  # vowel signs are marks
        ("Ο δήμος ενέκρινε", "ο-δήμος-ενέκρινε"),
    ],
)
def test_a_file_is_named_after_its_headline_in_its_own_script(
    tmp_path: Path, headline: str, name: str
) -> None:
    article = extract_article(article_page(headline, filler_paragraphs("the budget")))
    written = CorpusWriter(tmp_path / "news").write(article)
    assert written.path.name == f"2025-03-22-{name}.md"


@pytest.mark.parametrize("title", ["Page not found", "404 - Not Found | Valley Courier"])
def test_a_wordy_page_not_found_sent_as_200_is_refused(title: str) -> None:
    apology = filler_paragraphs("the page you were looking for")  # well over 80 words
    with pytest.raises(NotAnArticle, match="it is an error page"):
        extract_article(article_page(title, apology))


@pytest.mark.parametrize(
    "title", ["Oops! That page can’t be found.", "This page doesn’t exist", "Page cannot be found"]
)
def test_error_pages_in_a_cms_s_own_words_are_refused(title: str) -> None:
    with pytest.raises(NotAnArticle, match="it is an error page"):
        extract_article(article_page(title, filler_paragraphs("the missing page")))


def test_a_site_that_names_itself_keeps_its_name_even_with_a_full_stop_in_it() -> None:
    site = "U.S. News and World Report Daily"
    paragraphs = "".join(f"<p>{p}</p>" for p in filler_paragraphs("the fire"))
    page = (
        f"<html><head><title>Fire kills 3 | {site}</title>"
        f'<meta property="og:site_name" content="{site}"></head>'
        f"<body><article>{paragraphs}</article></body></html>"
    )
    article = extract_article(page, "https://news.example/fire")
    assert (article.headline, article.source) == ("Fire kills 3", site)


def test_a_headline_that_only_starts_like_an_error_is_an_article() -> None:
    page = article_page("404 runners finish the marathon", filler_paragraphs("the race"))
    assert extract_article(page).headline == "404 runners finish the marathon"


def test_articles_whose_pages_all_name_the_home_page_as_canonical_each_keep_their_file(
    tmp_path: Path,
) -> None:
    """A CMS that gives every page one canonical url, its home page: each article is its
    own, at the address it was fetched from, not an update of the one before."""
    home = "https://a.example/"
    depot = extract_article(
        article_page(DEPOT, DEPOT_PARAGRAPHS, canonical=home), "https://a.example/news/depot"
    )
    library_page = article_page(
        "Library extends weekend hours", filler_paragraphs("the library"), canonical=home
    )
    library = extract_article(library_page, "https://a.example/news/library")
    assert (depot.url, library.url) == (
        "https://a.example/news/depot",
        "https://a.example/news/library",
    )
    writer = CorpusWriter(tmp_path / "news")
    written = [writer.write(depot), writer.write(library), writer.write(depot)]
    assert [(w.updated, w.unchanged) for w in written] == [(False, False)] * 2 + [(False, True)]
    headlines = sorted(a.headline for a in load_corpus(tmp_path / "news").corpus.articles)
    assert headlines == sorted([DEPOT, "Library extends weekend hours"])


@pytest.mark.parametrize(
    ("canonical", "fetched"),
    [
        ("https://a.example/", None),  # saved pages that name the home page
        ("https://a.example/news/", "https://a.example/news/{}"),  # one section page for all
    ],
)
def test_pages_that_share_one_canonical_url_never_overwrite_each_other(
    tmp_path: Path, canonical: str, fetched: str | None
) -> None:
    def page(headline: str, subject: str) -> WebArticle:
        at = fetched.format(subject.replace(" ", "-")) if fetched else None
        html = article_page(headline, filler_paragraphs(subject), canonical=canonical)
        return extract_article(html, at)

    depot, library = page(DEPOT, "the depot"), page("Library extends hours", "the library")
    writer = CorpusWriter(tmp_path / "news")
    written = [writer.write(depot), writer.write(library), writer.write(depot)]
    assert [(w.updated, w.unchanged) for w in written] == [(False, False)] * 2 + [(False, True)]
    headlines = sorted(a.headline for a in load_corpus(tmp_path / "news").corpus.articles)
    assert headlines == sorted([DEPOT, "Library extends hours"])


def test_one_address_that_gives_another_article_each_day_keeps_each_days_file(
    tmp_path: Path,
) -> None:
    today = "https://paper.example/briefing/today"
    writer = CorpusWriter(tmp_path / "news")
    for day in (20, 21):
        page = article_page(
            f"Morning briefing for March {day}",
            filler_paragraphs(f"the briefing of March {day}"),
            date=f"2025-03-{day}",
            canonical=f"https://paper.example/briefing/2025-03-{day}",
        )
        assert writer.write(extract_article(page, today)).updated is False
    assert len(list((tmp_path / "news").glob("*.md"))) == 2


def test_daily_pages_of_one_headline_sharing_a_canonical_url_each_keep_their_file(
    tmp_path: Path,
) -> None:
    section = "https://a.example/opinion/"
    writer = CorpusWriter(tmp_path / "news")
    for day in (21, 22):
        page = article_page(
            "Letters to the editor",
            filler_paragraphs(f"the letters of March {day}"),
            date=f"2025-03-{day}",
            canonical=section,
        )
        assert writer.write(extract_article(page, f"{section}letters-{day}")).updated is False
    assert len(list((tmp_path / "news").glob("*.md"))) == 2


@pytest.mark.parametrize(
    "fetched",
    [
        "https://a.example/news/fire",
        "https://a.example/news/fire?utm_source=rss&utm_medium=feed",  # a feed's trackers
        "http://www.a.example/news/fire/?utm_source=rss",
        "https://a.example/amp/news/fire",  # another page, read again each time
    ],
)
def test_a_developing_story_at_its_own_url_updates_its_file_whatever_its_new_headline(
    tmp_path: Path, fetched: str
) -> None:
    url = "https://a.example/news/fire"
    first_page = article_page("Fire breaks out at mill", filler_paragraphs("a fire"), canonical=url)
    first = extract_article(first_page, fetched)
    grown = [*filler_paragraphs("three dead"), *filler_paragraphs("the mill fire")]
    later_page = article_page("Three dead as fire destroys mill", grown, canonical=url)
    later = extract_article(later_page, fetched)
    writer = CorpusWriter(tmp_path / "news")
    assert writer.write(first).updated is False
    assert writer.write(later).updated is True
    assert len(list((tmp_path / "news").glob("*.md"))) == 1


def test_a_users_file_is_never_overwritten(
    site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = depot_page(site)
    news = tmp_path / "news"
    news.mkdir()
    mine = f"---\nheadline: My notes on the depot\ndate: 2025-03-22\nurl: {url}\n---\nMine.\n"
    (news / DEPOT_FILE).write_text(mine, encoding="utf-8")
    code, out, _ = run(capsys, "add", "--corpus", "news", url)
    assert code == 0
    second = DEPOT_FILE.replace(".md", "-2.md")
    assert out == f"added: {DEPOT} (4 passages) -> news/{second}\n"
    assert (news / DEPOT_FILE).read_text(encoding="utf-8") == mine  # same url, not ours
    run(capsys, "add", "--corpus", "news", url)
    assert {p.name for p in news.iterdir()} == {DEPOT_FILE, second}
    assert (news / DEPOT_FILE).read_text(encoding="utf-8") == mine


def test_the_bundled_coverage_and_a_file_are_not_written_into(
    site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = depot_page(site)
    code, out, err = run(capsys, "add", url)
    assert (code, out) == (2, "")
    assert err == (
        "coverage-bot: articles are not added to the bundled coverage; pass --corpus FOLDER "
        "(or set COVERAGE_BOT_CORPUS) to a folder of your own\n"
    )
    (tmp_path / "one.md").write_text("# One\n\nText.\n", encoding="utf-8")
    code, _, err = run(capsys, "add", "--corpus", "one.md", url)
    assert code == 2
    assert err == (
        "coverage-bot: the corpus one.md is a file; articles are written into a folder: "
        "pass --corpus FOLDER\n"
    )


def test_add_a_saved_html_file_and_refresh_the_index(
    site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    saved = tmp_path / "saved.html"
    saved.write_text(article_page(DEPOT, DEPOT_PARAGRAPHS), encoding="utf-8")
    code, out, err = run(capsys, "add", "--corpus", "news", "--index", "idx", str(saved))
    assert (code, err) == (0, NEW_FOLDER)
    assert out.splitlines() == [
        f"added: {DEPOT} (4 passages) -> news/{DEPOT_FILE}",
        "index built: idx",  # there was none
    ]
    code, out, _ = run(capsys, "ask", "--index", "idx", "Who said it was the biggest investment?")
    assert code == 0 and "Mayor Lena Ortiz" in out


def test_html_files_in_a_corpus_folder_answer_questions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    news = tmp_path / "news"
    news.mkdir()
    (news / "depot.html").write_text(article_page(DEPOT, DEPOT_PARAGRAPHS), encoding="utf-8")
    (news / "city.htm").write_text(LISTING, encoding="utf-8")
    code, out, err = run(capsys, "--corpus", "news", "ask", "How many buses will the depot hold?")
    assert code == 0
    assert "120 buses" in out and "Valley Courier" in out
    assert err == (
        "warning: skipped news/city.htm: not an article: it looks like a list of "
        "articles (4 headlines with a line or two each), not one article\n"
    )


def test_markdown_it_would_read_is_escaped_so_passages_survive_the_round_trip(
    tmp_path: Path,
) -> None:
    tricky = [
        "Shares of *Transit* Co_op rose [sharply](see) on `Monday`, AT&T &amp; <b>others</b> said.",
        "# 1 priority, the mayor said, is the depot; 2. comes the terminal at 5 p.m. sharp.",
        "- not a bullet but a dash, and > not a quote, said the planners in their report.",
        *filler_paragraphs("the depot", 2),
    ]
    article = extract_article(article_page("Markdown in the news", tricky))
    written = CorpusWriter(tmp_path / "news").write(article)
    loaded = load_corpus(tmp_path / "news")
    assert loaded.warnings == ()
    assert loaded.corpus.articles[0].passages == article.passages
    assert written.passages == len(article.passages) == 5


def test_add_to_an_existing_index_updates_it_in_place_rather_than_rebuilding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    news = tmp_path / "news"
    news.mkdir()
    (news / "ferry.md").write_text(
        "---\nheadline: Ferry resumes\ndate: 2025-03-20\n---\n"
        + "\n\n".join(filler_paragraphs("the ferry timetable", 3))
    )
    assert run(capsys, "index", "news", "--out", "idx")[0] == 0
    first = current_generation(tmp_path / "idx")
    [old_segment] = read_manifest(first)["segments"]
    saved = tmp_path / "saved.html"
    saved.write_text(article_page(DEPOT, DEPOT_PARAGRAPHS), encoding="utf-8")
    code, out, err = run(capsys, "add", "--index", "idx", str(saved))
    assert (code, err) == (0, "")
    assert out.splitlines()[-1] == "index updated: idx"
    segments_at = current_generation(tmp_path / "idx")
    segments = read_manifest(segments_at)["segments"]
    assert len(segments) == 2 and segments[0]["name"] == old_segment["name"]
    code, out, _ = run(capsys, "ask", "--index", "idx", "How many buses will the depot hold?")
    assert code == 0 and "120 buses" in out
    code, out, _ = run(capsys, "add", "--index", "idx", str(saved))  # the same page again
    assert out.splitlines() == [
        f"unchanged: {DEPOT} (4 passages) -> {news / DEPOT_FILE}",  # the index's own corpus
        "index up to date: idx",
    ]
    assert current_generation(tmp_path / "idx") == segments_at


def test_an_updated_page_replaces_its_old_passages_in_the_index(
    site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = site.serve("/a/frost", article_page("Frost hits the orchards", frost("minus four")))
    assert run(capsys, "add", "--corpus", "news", url)[0] == 0
    assert run(capsys, "index", "news", "--out", "idx")[0] == 0
    site.serve("/a/frost", article_page("Frost hits the orchards", frost("minus seven")))
    code, out, _ = run(capsys, "add", "--index", "idx", url)
    assert code == 0 and out.startswith("updated: Frost hits the orchards")
    question = "What temperatures did the orchards see?"
    code, out, _ = run(capsys, "ask", "--index", "idx", "--json", "--top", "5", question)
    passages = [result["passage"] for result in json.loads(out)["results"]]
    assert any("minus seven" in p for p in passages)
    assert not any("minus four" in p for p in passages)
    code, out, _ = run(capsys, "articles", "--index", "idx", "--json")
    assert [a["headline"] for a in json.loads(out)] == ["Frost hits the orchards"]


def frost(low: str) -> list[str]:
    return [
        f"Temperatures fell to {low} degrees overnight in the valley's orchards, the coldest "
        "night this late in spring since records began, the county weather office said.",
        "Growers lit fires between the rows and ran wind machines until dawn to keep the "
        "blossoms of apple and cherry trees from freezing solid before the sun came up.",
        "The county agricultural agent said it would take a week to know how much of the "
        "crop was lost, since damaged blossoms only turn brown after several days.",
    ]


def test_a_page_added_again_unchanged_leaves_its_file_alone(
    site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = depot_page(site)
    run(capsys, "add", "--corpus", "news", url)
    written = tmp_path / "news" / DEPOT_FILE
    os.utime(written, ns=(1_000_000_000, 1_000_000_000))  # as if written long ago
    code, out, _ = run(capsys, "add", "--corpus", "news", url)
    assert (code, out) == (0, f"unchanged: {DEPOT} (4 passages) -> news/{DEPOT_FILE}\n")
    assert written.stat().st_mtime_ns == 1_000_000_000  # not rewritten: no index to redo


def test_an_editors_correction_survives_the_page_added_again(
    site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = depot_page(site)
    run(capsys, "add", "--corpus", "news", url)
    written = tmp_path / "news" / DEPOT_FILE
    edited = written.read_text(encoding="utf-8").replace("$48 million", "$49 million")
    assert edited != written.read_text(encoding="utf-8")
    written.write_text(edited, encoding="utf-8")
    code, out, _ = run(capsys, "add", "--corpus", "news", url)  # the page as it was
    assert (code, out) == (0, f"unchanged: {DEPOT} (4 passages) -> news/{DEPOT_FILE}\n")
    assert written.read_text(encoding="utf-8") == edited
    site.serve("/article/depot", article_page(DEPOT, DEPOT_UPDATED, canonical=url))
    code, out, _ = run(capsys, "add", "--corpus", "news", url)  # the page has news too
    assert (code, out) == (
        0,
        f"kept: news/{DEPOT_FILE} was edited since coverage-bot wrote it, so the page's new "
        f"text ({DEPOT}) was not written; move the file out of the corpus folder (or delete "
        "it) to take it\n",
    )
    assert written.read_text(encoding="utf-8") == edited
    assert [p.name for p in (tmp_path / "news").iterdir()] == [DEPOT_FILE]


def test_a_file_of_an_earlier_version_is_kept_and_the_message_says_why(
    site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = depot_page(site)
    run(capsys, "add", "--corpus", "news", url)
    written = tmp_path / "news" / DEPOT_FILE
    older = re.sub(r"written_sha256: \w+\n", "", written.read_text(encoding="utf-8"))
    written.write_text(older, encoding="utf-8")  # as versions before the record wrote it
    site.serve("/article/depot", article_page(DEPOT, DEPOT_UPDATED, canonical=url))
    code, out, _ = run(capsys, "add", "--corpus", "news", url)
    assert (code, out) == (
        0,
        f"kept: news/{DEPOT_FILE} was written by an earlier coverage-bot, which kept no record "
        f"to tell edits by, so the page's new text ({DEPOT}) was not written; move the file "
        "out of the corpus folder (or delete it) to take it\n",
    )
    assert written.read_text(encoding="utf-8") == older


def test_an_article_another_writer_added_meanwhile_is_updated_not_copied(
    tmp_path: Path,
) -> None:
    """The bot's long-lived writer, and `coverage-bot add` writing the same page first."""
    article = extract_article(article_page(DEPOT, DEPOT_PARAGRAPHS), "https://a.example/depot")
    bots = CorpusWriter(tmp_path / "news")
    bots.write(extract_article(article_page("Other", filler_paragraphs("x")), "https://o.ex/1"))
    assert CorpusWriter(tmp_path / "news").write(article).updated is False  # `add`
    same = bots.write(article)
    assert (same.unchanged, same.updated, same.path.name) == (True, False, DEPOT_FILE)
    written = bots.write(
        extract_article(article_page(DEPOT, DEPOT_UPDATED), "https://a.example/depot")
    )
    assert (written.unchanged, written.updated, written.path.name) == (False, True, DEPOT_FILE)
    mask = os.umask(0)
    os.umask(mask)
    assert written.path.stat().st_mode & 0o777 == 0o666 & ~mask  # readable like any new file


def test_an_updated_file_keeps_the_permissions_an_editor_gave_it(tmp_path: Path) -> None:
    writer = CorpusWriter(tmp_path / "news")
    first = writer.write(extract_article(article_page(DEPOT, DEPOT_PARAGRAPHS), "https://a.ex/d"))
    first.path.chmod(0o600)  # an embargoed piece, private to its owner
    again = writer.write(extract_article(article_page(DEPOT, DEPOT_UPDATED), "https://a.ex/d"))
    assert (again.updated, again.path) == (True, first.path)
    assert "electric chargers" in again.path.read_text(encoding="utf-8")
    assert again.path.stat().st_mode & 0o777 == 0o600


def test_a_saved_page_that_is_no_file_or_too_large_is_refused_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    os.mkfifo(tmp_path / "pipe.html")  # a plain open would wait for a writer, for ever
    with (tmp_path / "huge.html").open("wb") as huge:
        huge.truncate(6 * 1024 * 1024)  # sparse: no disk, as /dev/zero takes none
    (tmp_path / "folder.html").mkdir()
    code, out, err = run(
        capsys, "add", "--corpus", "news", "pipe.html", "huge.html", "folder.html", "/dev/zero"
    )
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        "refused pipe.html: no article text could be found in the page",  # none written
        "refused huge.html: is more than the 5.0 MB limit",
        "refused folder.html: is not a file",
        "refused /dev/zero: is not a file",
    ]
