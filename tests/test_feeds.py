"""Following feeds: new items' articles added, conditional requests, back-off, malformed
and huge feeds, and the ``feeds`` and ``follow`` commands, against a site on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from email.utils import format_datetime
from pathlib import Path

import pytest
from web_site import Site, article_page, closed_port, filler_paragraphs, rss, running_site

from bot import feed_items
from bot.cli import main
from bot.feeds import Poller, follow_feed

NOON = dt.datetime(2025, 3, 22, 12, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    with running_site() as site:
        yield site


pytestmark = pytest.mark.usefixtures("no_settings")


def story(site: Site, path: str, headline: str, day: int) -> dict[str, str]:
    """An article page served at ``path``, and its feed item."""
    site.serve(path, article_page(headline, filler_paragraphs(headline), date=f"2025-03-{day}"))
    stamp = format_datetime(dt.datetime(2025, 3, day, 9, tzinfo=dt.UTC))
    return {"title": headline, "link": site.url(path), "pubDate": stamp}


def poller(tmp_path: Path, *feeds: str, **options: int) -> Poller:
    return Poller(feeds, tmp_path / "state", tmp_path / "news", interval=900, **options)


async def test_new_items_are_added_and_a_changed_feed_gives_only_its_new_ones(
    site: Site, tmp_path: Path
) -> None:
    first = story(site, "/s/ridership", "Bus ridership rebounds", 21)
    url = site.serve("/feed/city", rss([first]), "application/rss+xml")
    follow = poller(tmp_path, url)
    report = await follow.poll_due(NOON)
    assert [(f.feed, f.ok, f.result) for f in report.feeds] == [(url, True, "1 new item: 1 added")]
    (added,) = report.articles
    assert (added.headline, added.url, added.date) == (
        "Bus ridership rebounds",
        first["link"],
        dt.date(2025, 3, 21),
    )
    assert added.path == tmp_path / "news" / "2025-03-21-bus-ridership-rebounds.md"
    assert added.summary.startswith("Paragraph 1 about Bus ridership rebounds")
    second = story(site, "/s/depot", "Council approves depot", 22)
    site.serve("/feed/city", rss([second, first]), "application/rss+xml")
    report = await follow.poll_due(NOON + dt.timedelta(minutes=15))
    assert [a.headline for a in report.articles] == ["Council approves depot"]
    assert len(site.asked("/s/ridership")) == 1 and len(site.asked("/s/depot")) == 1
    assert sorted(p.name for p in (tmp_path / "news").iterdir()) == [
        "2025-03-21-bus-ridership-rebounds.md",
        "2025-03-22-council-approves-depot.md",
    ]


async def test_a_feed_is_not_polled_before_it_is_due(site: Site, tmp_path: Path) -> None:
    url = site.serve("/feed/quiet", rss([]), "application/rss+xml")
    follow = poller(tmp_path, url)
    assert [f.result for f in (await follow.poll_due(NOON)).feeds] == ["no new items"]
    assert (await follow.poll_due(NOON + dt.timedelta(minutes=14))).feeds == ()
    assert len(site.asked("/feed/quiet")) == 1


@pytest.mark.parametrize(
    ("validator", "header", "sent"),
    [("etags", "ETag", "If-None-Match"), ("last_modified", "Last-Modified", "If-Modified-Since")],
)
async def test_an_unchanged_feed_answers_304_to_a_conditional_request(
    site: Site, tmp_path: Path, validator: str, header: str, sent: str
) -> None:
    path = f"/feed/conditional-{header}"
    url = site.serve(path, rss([story(site, "/s/strike", "Strike ends", 20)]), "text/xml")
    value = '"v1"' if header == "ETag" else "Sat, 22 Mar 2025 09:00:00 GMT"
    getattr(site, validator)[path] = value
    follow = poller(tmp_path, url)
    await follow.poll_due(NOON)
    report = await follow.poll_due(NOON + dt.timedelta(hours=1))
    assert [(f.ok, f.result) for f in report.feeds] == [(True, "not modified")]
    assert site.asked(path)[-1][sent] == value
    assert sent not in site.asked(path)[0]


async def test_a_failing_feed_backs_off_and_remembers_why(site: Site, tmp_path: Path) -> None:
    url = site.url("/error")
    follow = poller(tmp_path, url)
    report = await follow.poll_due(NOON)
    assert [(f.ok, f.result) for f in report.feeds] == [
        (False, "failed: HTTP 500 Internal Server Error (once in a row; next try in 30 min)")
    ]
    assert (await follow.poll_due(NOON + dt.timedelta(minutes=29))).feeds == ()
    report = await follow.poll_due(NOON + dt.timedelta(minutes=30))
    assert report.feeds[0].result.endswith("(2 times in a row; next try in 60 min)")
    state = json.loads((tmp_path / "state" / "feeds.json").read_text(encoding="utf-8"))
    assert state["feeds"][url]["failures"] == 2
    assert state["feeds"][url]["next_attempt"] == (NOON + dt.timedelta(minutes=90)).isoformat()


async def test_a_feed_dead_for_months_still_waits_six_hours_a_try(
    site: Site, tmp_path: Path
) -> None:
    url = site.url("/error")
    state = tmp_path / "state"
    state.mkdir()
    due = {"failures": 1023, "next_attempt": NOON.isoformat()}  # 2 ** 1024 is no float
    (state / "feeds.json").write_text(json.dumps({"format": 1, "feeds": {url: due}}))
    fine = site.serve("/feed/fine", rss([story(site, "/s/fine", "Depot reopens", 5)]), "text/xml")
    follow = Poller((url, fine), state, tmp_path / "news", interval=900.0)  # as settings give
    report = await follow.poll_due(NOON)
    assert [(f.ok, f.result) for f in report.feeds] == [
        (False, "failed: HTTP 500 Internal Server Error (1024 times in a row; next try in 6.0 h)"),
        (True, "1 new item: 1 added"),
    ]


async def test_an_empty_feed_is_one_line_and_the_other_feeds_go_on(
    site: Site, tmp_path: Path
) -> None:
    empty = site.serve("/feed/empty", b"", "application/rss+xml")
    fine = site.serve("/feed/fine2", rss([story(site, "/s/fine2", "Depot reopens", 5)]), "text/xml")
    report = await poller(tmp_path, empty, fine).poll_due(NOON)
    assert [(f.ok, f.result) for f in report.feeds] == [
        (False, "failed: not an RSS or Atom feed (once in a row; next try in 30 min)"),
        (True, "1 new item: 1 added"),
    ]


async def test_an_unreachable_feed_is_one_line(tmp_path: Path) -> None:
    port = closed_port()
    report = await poller(tmp_path, f"http://127.0.0.1:{port}/rss").poll_due(NOON)
    assert report.feeds[0].result == (
        f"failed: cannot connect to 127.0.0.1:{port} (Connection refused) "
        "(once in a row; next try in 30 min)"
    )


async def test_malformed_xml_keeps_the_items_it_could_read(site: Site, tmp_path: Path) -> None:
    good = story(site, "/s/mediator", "Mediator joins talks", 6)
    broken = rss([good]).replace("</channel></rss>", "<item><title>Cut &nbsp; off")
    url = site.serve("/feed/broken", broken, "application/rss+xml")
    report = await poller(tmp_path, url).poll_due(NOON)
    (feed,) = report.feeds
    assert feed.ok and feed.notes[0].startswith("malformed feed (")
    assert [a.headline for a in feed.articles] == ["Mediator joins talks"]
    garbage = site.serve("/feed/garbage", "<<< not xml", "application/xml")
    report = await poller(tmp_path / "other", garbage).poll_due(NOON)
    assert not report.feeds[0].ok
    assert report.feeds[0].result.startswith("failed: malformed feed: ")


async def test_items_without_links_are_skipped_and_without_dates_are_fine(
    site: Site, tmp_path: Path
) -> None:
    undated = story(site, "/s/undated", "Buses return to the streets", 18)
    del undated["pubDate"]
    url = site.serve(
        "/feed/mixed", rss([{"title": "No link here"}, undated]), "application/rss+xml"
    )
    (feed,) = (await poller(tmp_path, url).poll_due(NOON)).feeds
    assert feed.notes == ("1 item without a link skipped",)
    assert [(a.headline, a.date) for a in feed.articles] == [
        ("Buses return to the streets", dt.date(2025, 3, 18))  # the page's date
    ]


async def test_a_feed_of_ten_thousand_items_fetches_only_the_newest_at_first(
    site: Site, tmp_path: Path
) -> None:
    start = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    items = [
        {
            "title": f"Item {n}",
            "link": site.url(f"/big/{n}"),
            "pubDate": format_datetime(start + dt.timedelta(hours=n)),
        }
        for n in range(10_000)
    ]
    for n in range(9_997, 10_000):
        site.serve(f"/big/{n}", article_page(f"Big item {n}", filler_paragraphs(f"item {n}")))
    url = site.serve("/feed/big", rss(items), "application/rss+xml")
    follow = poller(tmp_path, url, max_new_items=3)
    (feed,) = (await follow.poll_due(NOON)).feeds
    assert feed.result == "10000 new items: 3 added, 9997 passed over"  # an archive, not news
    assert feed.notes == (
        "9997 older items passed over: a feed's first poll fetches its 3 newest "
        "(coverage-bot add URL takes any other)",
    )
    assert sorted(a.headline for a in feed.articles) == [
        "Big item 9997",
        "Big item 9998",
        "Big item 9999",
    ]
    assert sum(path.startswith("/big/") for path, _ in site.requests) == 3
    (feed,) = (await follow.poll_due(NOON + dt.timedelta(hours=1))).feeds
    assert feed.result == "no new items"


async def test_new_items_past_a_polls_cap_wait_for_the_next_poll(
    site: Site, tmp_path: Path
) -> None:
    first = story(site, "/s/first", "Ferry timetable changes", 10)
    url = site.serve("/feed/busy", rss([first]), "application/rss+xml")
    site.etags["/feed/busy"] = '"busy"'
    follow = poller(tmp_path, url, max_new_items=3)
    (feed,) = (await follow.poll_due(NOON)).feeds
    assert feed.result == "1 new item: 1 added"
    busy = [story(site, f"/s/busy{n}", f"Council story number {n}", 11 + n) for n in range(5)]
    site.serve("/feed/busy", rss([*reversed(busy), first]), "application/rss+xml")
    site.etags["/feed/busy"] = '"busier"'
    (feed,) = (await follow.poll_due(NOON + dt.timedelta(hours=1))).feeds
    assert feed.result == "5 new items: 3 added, 2 left for the next poll"
    assert feed.notes == (
        "2 older new items left for the next poll (at most 3 are fetched a poll)",
    )
    (feed,) = (await follow.poll_due(NOON + dt.timedelta(hours=2))).feeds
    assert "If-None-Match" not in site.asked("/feed/busy")[-1]  # not hidden behind a 304
    assert feed.result == "2 new items: 2 added"
    assert sorted(a.headline for a in feed.articles) == [
        "Council story number 0",
        "Council story number 1",
    ]


async def test_an_item_whose_page_failed_for_now_is_tried_again(site: Site, tmp_path: Path) -> None:
    item = {"title": "Late story", "link": site.url("/error")}  # the page is down for now
    url = site.serve("/feed/late", rss([item]), "application/rss+xml")
    site.etags["/feed/late"] = '"late"'
    follow = poller(tmp_path, url)
    (feed,) = (await follow.poll_due(NOON)).feeds
    assert feed.notes == (f"refused {site.url('/error')}: HTTP 500 Internal Server Error",)
    assert feed.result == "1 new item: 1 not added (tried again next poll)"
    (feed,) = (await follow.poll_due(NOON + dt.timedelta(hours=1))).feeds
    assert "If-None-Match" not in site.asked("/feed/late")[-1]  # not hidden behind a 304
    assert feed.notes == (f"refused {site.url('/error')}: HTTP 500 Internal Server Error",)


def test_feeds_add_list_remove_and_follow_once(
    site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = site.serve(
        "/feed/cli", rss([story(site, "/s/deal", "Tentative deal reached", 14)]), "text/xml"
    )
    assert main(["feeds", "add", url]) == 0
    assert main(["feeds", "add", url.replace("http://", "HTTP://")]) == 0  # the same feed
    assert main(["feeds", "list"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"following {url}",
        f"already following {url}",
        f"{url} (added): not polled yet",
    ]
    code = main(["follow", "--once", "--corpus", "news", "--index", "idx"])
    out = capsys.readouterr().out
    assert code == 0
    assert out.splitlines() == [
        f"{url}: 1 new item: 1 added",
        "  added: Tentative deal reached (4 passages) -> news/2025-03-14-tentative-deal-reached.md",
        "index built: idx",
    ]
    assert main(["ask", "--index", "idx", "What about the tentative deal reached?"]) == 0
    assert "Paragraph" in capsys.readouterr().out
    assert main(["feeds", "list"]) == 0
    assert "(added): polled " in capsys.readouterr().out
    assert main(["feeds", "remove", url]) == 0
    assert capsys.readouterr().out == f"no longer following {url}\n"
    assert main(["follow", "--once", "--corpus", "news"]) == 2
    assert capsys.readouterr().err == (
        "coverage-bot: no feeds to follow: set COVERAGE_BOT_FEEDS or run coverage-bot "
        "feeds add URL\n"
    )


def test_feed_settings_and_options_are_checked(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COVERAGE_BOT_FEEDS", "https://a.example/rss ftp://b.example")
    assert main(["feeds", "list"]) == 2
    assert capsys.readouterr().err == (
        "coverage-bot: COVERAGE_BOT_FEEDS must be http(s) feed addresses separated by commas "
        "or spaces, not 'https://a.example/rss ftp://b.example'\n"
    )
    monkeypatch.setenv("COVERAGE_BOT_FEEDS", "https://example.com/rss")
    assert main(["feeds", "remove", "https://example.com/rss"]) == 2
    assert capsys.readouterr().err == (
        "coverage-bot: https://example.com/rss is in COVERAGE_BOT_FEEDS; remove it there\n"
    )
    assert main(["follow", "--once", "--corpus", "news", "--interval", "5"]) == 2
    assert capsys.readouterr().err == (
        "coverage-bot: --interval must be from 60 to 604800 seconds, not 5\n"
    )
    assert main(["feeds", "add", "javascript:alert(1)"]) == 2
    assert capsys.readouterr().err == "coverage-bot: not an http(s) address: javascript:alert(1)\n"


async def test_an_item_dated_zero_is_taken_as_undated_and_the_poll_goes_on(
    site: Site, tmp_path: Path
) -> None:
    zero = story(site, "/s/zero", "Council approves the budget", 19)
    zero["pubDate"] = "Mon, 00 Jan 0000 00:00:00 GMT"
    atom_zero = (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Zero</title><entry><title>{zero['title']}</title>"
        f'<link href="{zero["link"]}"/><updated>0000-00-00T00:00:00Z</updated></entry></feed>'
    )
    url = site.serve("/feed/zero", atom_zero, "application/atom+xml")
    (feed,) = (await poller(tmp_path, url).poll_due(NOON)).feeds
    assert feed.ok and [a.headline for a in feed.articles] == ["Council approves the budget"]


@pytest.mark.parametrize(
    ("saved", "why"),
    [
        ({"format": 1, "added": "http://127.0.0.1/feed"}, "'added' is not a list of addresses"),
        ({"format": 1, "feeds": {"http://a/f": {"next_attempt": "tomorrow"}}}, "tomorrow"),
        (
            {"format": 1, "feeds": {"http://a/f": {"last_poll": 5}}},
            "http://a/f: last_poll is not text",
        ),
        (
            {"format": 1, "feeds": {"http://a/f": {"failures": -1}}},
            "http://a/f: failures is not a count",
        ),
        ({"my": "own feeds list"}, "it does not say which format it is"),  # not ours
        (
            {"format": 2, "added": [], "feeds": {}, "future": "data"},  # a newer version's
            "is format 2 of the feeds file, and this coverage-bot reads format 1 (a newer "
            "version wrote it?): upgrade coverage-bot, or move it aside",
        ),
    ],
)
@pytest.mark.parametrize("command", [["feeds", "list"], ["feeds", "add", "http://127.0.0.1/x"]])
def test_a_feeds_file_coverage_bot_cannot_read_whole_is_one_line_and_left_as_it_is(
    tmp_path: Path,
    saved: dict[str, object],
    why: str,
    command: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    state = tmp_path / ".coverage-bot"
    state.mkdir()
    (state / "feeds.json").write_text(json.dumps(saved), encoding="utf-8")
    assert main(command) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and why in err and "move it aside" in err
    assert json.loads((state / "feeds.json").read_text(encoding="utf-8")) == saved


async def test_a_feed_added_while_a_poll_runs_is_kept(site: Site, tmp_path: Path) -> None:
    first = site.serve("/feed/first", rss([]), "application/rss+xml")
    following = poller(tmp_path, first)
    added_meanwhile = site.url("/feed/second")
    real_poll = following._poll

    async def poll_then_someone_adds(*args: object) -> object:
        follow_feed(following.store, (), added_meanwhile)  # `coverage-bot feeds add` elsewhere
        return await real_poll(*args)  # type: ignore[arg-type]

    following._poll = poll_then_someone_adds  # type: ignore[method-assign]
    await following.poll_due(NOON)
    book = following.store.load()
    assert book.added == [added_meanwhile]
    assert book.states[first].last_result == "no new items"


def test_the_feeds_file_is_readable_by_the_bots_user(tmp_path: Path) -> None:
    store = poller(tmp_path).store
    follow_feed(store, (), "http://127.0.0.1/feed")
    mask = os.umask(0)
    os.umask(mask)
    assert store.path.stat().st_mode & 0o777 == 0o666 & ~mask  # 0644 under the usual 022


async def test_an_item_whose_article_is_already_in_the_corpus_is_not_announced(
    site: Site, tmp_path: Path
) -> None:
    item = story(site, "/s/garage", "Garage reopens", 21)
    url = site.serve("/feed/garage", rss([item]), "application/rss+xml")
    first = Poller([url], tmp_path / "state", tmp_path / "news", interval=900)
    assert [a.headline for a in (await first.poll_due(NOON)).articles] == ["Garage reopens"]
    # The same corpus followed afresh (its state folder lost): the item is new to it.
    again = Poller([url], tmp_path / "new-state", tmp_path / "news", interval=900)
    report = await again.poll_due(NOON)
    assert report.articles == ()  # nothing new to announce in a channel
    [feed] = report.feeds
    assert feed.result == "1 new item: 1 not added"
    assert feed.notes == (f"already in the corpus, unchanged: {item['link']}",)


async def test_an_item_whose_file_an_editor_changed_leaves_their_file_as_it_is(
    site: Site, tmp_path: Path
) -> None:
    item = story(site, "/s/garage", "Garage reopens", 21)
    url = site.serve("/feed/garage", rss([item]), "application/rss+xml")
    await poller(tmp_path, url).poll_due(NOON)
    [written] = (tmp_path / "news").iterdir()
    edited = written.read_text(encoding="utf-8") + "\nCorrection: the garage has 400 spaces.\n"
    written.write_text(edited, encoding="utf-8")
    news = [*filler_paragraphs("Garage reopens"), "Update: the garage opens at 6 a.m."]
    site.serve("/s/garage", article_page("Garage reopens", news, date="2025-03-21"))
    again = Poller([url], tmp_path / "new-state", tmp_path / "news", interval=900)
    report = await again.poll_due(NOON)
    assert report.articles == ()
    [feed] = report.feeds
    assert feed.notes == (
        f"not written over {written}, which was edited since coverage-bot wrote it: {item['link']}",
    )
    assert written.read_text(encoding="utf-8") == edited


def test_an_address_that_cannot_be_parsed_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["feeds", "add", "http://[bad/feed"]) == 2
    assert capsys.readouterr().err == "coverage-bot: not an http(s) address: http://[bad/feed\n"
    assert main(["feeds", "remove", "http://[bad/feed"]) == 2
    assert capsys.readouterr().err == "coverage-bot: not following http://[bad/feed\n"


async def test_a_first_poll_passes_over_only_what_it_knows_to_be_older(
    site: Site, tmp_path: Path
) -> None:
    undated = [{"title": f"Undated {n}", "link": site.url(f"/u/{n}")} for n in range(5)]
    for n in range(5):
        site.serve(f"/u/{n}", article_page(f"Undated story {n}", filler_paragraphs(f"u{n}")))
    url = site.serve("/feed/undated", rss(undated), "application/rss+xml")  # oldest first
    follow = poller(tmp_path, url, max_new_items=3)
    (feed,) = (await follow.poll_due(NOON)).feeds
    assert feed.result == "5 new items: 3 added, 2 left for the next poll"  # not lost
    (feed,) = (await follow.poll_due(NOON + dt.timedelta(hours=1))).feeds
    assert feed.result == "2 new items: 2 added"


async def test_a_feed_whose_items_all_went_is_not_taken_for_a_new_one(
    site: Site, tmp_path: Path
) -> None:
    first = story(site, "/s/one", "Ferry timetable changes", 10)
    url = site.serve("/feed/rotating", rss([first]), "application/rss+xml")
    follow = poller(tmp_path, url, max_new_items=3)
    await follow.poll_due(NOON)
    site.serve("/feed/rotating", rss([]), "application/rss+xml")  # an empty window
    await follow.poll_due(NOON + dt.timedelta(hours=1))
    fresh = [story(site, f"/s/fresh{n}", f"Council story number {n}", 11 + n) for n in range(5)]
    site.serve("/feed/rotating", rss(list(reversed(fresh))), "application/rss+xml")
    (feed,) = (await follow.poll_due(NOON + dt.timedelta(hours=2))).feeds
    assert feed.result == "5 new items: 3 added, 2 left for the next poll"  # news, not archive


async def test_an_article_deleted_from_the_corpus_is_not_written_again_when_its_item_returns(
    site: Site, tmp_path: Path
) -> None:
    kept = story(site, "/s/kept", "Harbour dredging begins", 12)
    retracted = story(site, "/s/retracted", "Mayor to resign, sources say", 13)
    url = site.serve("/feed/top", rss([retracted, kept]), "application/rss+xml")
    follow = poller(tmp_path, url)
    await follow.poll_due(NOON)
    (tmp_path / "news" / "2025-03-13-mayor-to-resign-sources-say.md").unlink()  # retracted
    site.serve("/feed/top", rss([]), "application/rss+xml")  # a poll with nothing in it
    await follow.poll_due(NOON + dt.timedelta(hours=1))
    site.serve("/feed/top", rss([retracted, kept]), "application/rss+xml")
    (feed,) = (await follow.poll_due(NOON + dt.timedelta(hours=2))).feeds
    assert feed.result == "no new items"
    assert [p.name for p in (tmp_path / "news").iterdir()] == [
        "2025-03-12-harbour-dredging-begins.md"
    ]


def test_a_feeds_memory_forgets_the_oldest_links_first_but_never_one_still_in_the_feed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(feed_items, "SEEN_KEPT", 3)
    assert feed_items.remembered(["a", "b", "c"], ["c", "d"], {"d"}) == ["b", "c", "d"]
    assert feed_items.remembered(["a"], ["x", "y", "z", "w"], {"x", "y", "z", "w"}) == [
        "x",
        "y",
        "z",
        "w",
    ]
    assert feed_items.remembered(["a", "b"], ["new"], set()) == ["a", "b"]  # failed: not seen


async def test_an_item_dated_later_than_when_it_was_taken_updates_its_article(
    site: Site, tmp_path: Path
) -> None:
    item = story(site, "/s/flood", "River crests below flood stage", 14)
    url = site.serve("/feed/river", rss([item]), "application/rss+xml")
    follow = poller(tmp_path, url)
    await follow.poll_due(NOON)
    (feed,) = (await follow.poll_due(NOON + dt.timedelta(hours=1))).feeds
    assert feed.result == "no new items" and len(site.asked("/s/flood")) == 1
    correction = "Correction: the river crested at 18.2 feet, not 19.2 feet as first reported."
    paragraphs = [*filler_paragraphs("River crests below flood stage"), correction]
    site.serve(
        "/s/flood", article_page("River crests below flood stage", paragraphs, date="2025-03-14")
    )
    later = format_datetime(dt.datetime(2025, 3, 14, 17, tzinfo=dt.UTC))
    site.serve("/feed/river", rss([{**item, "pubDate": later}]), "application/rss+xml")
    report = await follow.poll_due(NOON + dt.timedelta(hours=2))
    assert [(f.result, [a.updated for a in report.articles]) for f in report.feeds] == [
        ("1 new item: 1 updated", [True])
    ]
    [file] = (tmp_path / "news").iterdir()
    assert correction in file.read_text(encoding="utf-8")
    (feed,) = (await follow.poll_due(NOON + dt.timedelta(hours=3))).feeds
    assert feed.result == "no new items" and len(site.asked("/s/flood")) == 2


async def test_a_revised_item_whose_article_was_deleted_is_not_written_again(
    site: Site, tmp_path: Path
) -> None:
    item = story(site, "/s/claim", "Mayor to resign, sources say", 15)
    url = site.serve("/feed/claims", rss([item]), "application/rss+xml")
    await poller(tmp_path, url).poll_due(NOON)
    (tmp_path / "news" / "2025-03-15-mayor-to-resign-sources-say.md").unlink()  # retracted
    later = format_datetime(dt.datetime(2025, 3, 15, 18, tzinfo=dt.UTC))
    site.serve("/feed/claims", rss([{**item, "pubDate": later}]), "application/rss+xml")
    report = await poller(tmp_path, url).poll_due(NOON + dt.timedelta(hours=1))  # a restart
    assert report.articles == ()
    (feed,) = report.feeds
    assert feed.notes == (f"revised, but its article is no longer in the corpus: {item['link']}",)
    assert list((tmp_path / "news").iterdir()) == []


async def test_a_feed_that_dates_every_item_as_it_is_made_is_not_read_again_each_poll(
    site: Site, tmp_path: Path
) -> None:
    items = [story(site, f"/s/daily{n}", f"Daily item number {n}", 10 + n) for n in range(5)]
    url = site.serve("/feed/stamped", rss(items), "application/rss+xml")
    follow = poller(tmp_path, url)
    await follow.poll_due(NOON)
    for hour in (1, 2):
        stamp = format_datetime(NOON + dt.timedelta(hours=hour))
        restamped = [{**item, "pubDate": stamp} for item in items]
        site.serve("/feed/stamped", rss(restamped), "application/rss+xml")
        (feed,) = (await follow.poll_due(NOON + dt.timedelta(hours=hour))).feeds
        assert feed.result == "no new items"
    assert [len(site.asked(f"/s/daily{n}")) for n in range(5)] == [1] * 5


@pytest.mark.parametrize("first", ["a stub", "not found"])
async def test_a_page_refused_at_first_is_taken_in_once_revised_into_an_article(
    site: Site, tmp_path: Path, first: str
) -> None:
    item = story(site, "/s/breaking", "Fire at the harbour", 16)
    if first == "a stub":
        site.serve("/s/breaking", article_page("Fire at the harbour", ["Developing: more soon."]))
    else:
        del site.pages["/s/breaking"]
    url = site.serve("/feed/breaking", rss([item]), "application/rss+xml")
    (feed,) = (await poller(tmp_path, url).poll_due(NOON)).feeds
    assert feed.notes[0].startswith(f"refused {item['link']}: ")
    site.serve("/s/breaking", article_page("Fire at the harbour", filler_paragraphs("the fire")))
    later = format_datetime(dt.datetime(2025, 3, 16, 15, tzinfo=dt.UTC))
    site.serve("/feed/breaking", rss([{**item, "pubDate": later}]), "application/rss+xml")
    report = await poller(tmp_path, url).poll_due(NOON + dt.timedelta(hours=1))  # a restart
    assert [a.headline for a in report.articles] == ["Fire at the harbour"]


async def test_revisions_made_one_by_one_are_each_read_again(site: Site, tmp_path: Path) -> None:
    items = [story(site, f"/s/fix{n}", f"Story number {n} of the week", 10 + n) for n in range(5)]
    url = site.serve("/feed/fixes", rss(items), "application/rss+xml")
    follow = poller(tmp_path, url)
    await follow.poll_due(NOON)
    fixed = [
        {**item, "pubDate": format_datetime(NOON + dt.timedelta(minutes=10 * n))}
        for n, item in enumerate(items)
    ]  # corrected at five different times
    site.serve("/feed/fixes", rss(fixed), "application/rss+xml")
    await follow.poll_due(NOON + dt.timedelta(hours=1))
    assert [len(site.asked(f"/s/fix{n}")) for n in range(5)] == [2] * 5


async def test_a_feeds_file_without_written_links_counts_those_it_saw_as_written(
    site: Site, tmp_path: Path
) -> None:
    """An earlier version's file: an article it wrote and an editor deleted stays deleted
    when its item is revised."""
    item = story(site, "/s/old", "Council delays vote", 17)
    url = site.serve("/feed/older", rss([item]), "application/rss+xml")
    await poller(tmp_path, url).poll_due(NOON)
    feeds_file = tmp_path / "state" / "feeds.json"
    data = json.loads(feeds_file.read_text(encoding="utf-8"))
    del data["feeds"][url]["written"]
    feeds_file.write_text(json.dumps(data), encoding="utf-8")
    (tmp_path / "news" / "2025-03-17-council-delays-vote.md").unlink()
    later = format_datetime(dt.datetime(2025, 3, 17, 20, tzinfo=dt.UTC))
    site.serve("/feed/older", rss([{**item, "pubDate": later}]), "application/rss+xml")
    report = await poller(tmp_path, url).poll_due(NOON + dt.timedelta(hours=1))
    assert report.articles == ()
    assert list((tmp_path / "news").iterdir()) == []


@pytest.mark.parametrize(("once", "code"), [(True, 130), (False, 0)])
def test_ctrl_c_ends_following_but_cuts_a_single_poll_short(
    site: Site,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    once: bool,
    code: int,
) -> None:
    async def interrupted(self: Poller) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(Poller, "poll_due", interrupted)
    url = site.serve("/feed/stop", rss([]), "text/xml")
    monkeypatch.setenv("COVERAGE_BOT_FEEDS", url)
    assert main(["follow", *(["--once"] if once else []), "--corpus", "news"]) == code
    assert capsys.readouterr().err == "stopped following\n"
