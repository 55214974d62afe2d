"""A feed's items, and what a poll keeps of them for the next: which links were seen,
which were written, and when each was dated when it was taken.

A poll takes the items it has not seen, and those dated later than when they were taken
(revised: a correction, a developing story); not a feed that dates every item as it is
made. The memory outlives an item's leaving the feed, so a rotating feed does not bring
back an article an editor deleted.
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
import time
from collections.abc import Sequence
from dataclasses import dataclass

import feedparser

from bot.feed_state import FeedState


@dataclass(frozen=True)
class FeedItem:
    """A feed entry with a link: what a poll needs of it."""

    link: str
    title: str | None
    date: dt.date | None
    published: float  # seconds since the epoch; 0 when the item has no date
    revised: float  # the latest of its published and updated dates, the same way


def parse_feed(body: bytes, url: str, content_type: str | None) -> feedparser.FeedParserDict:
    """feedparser over bytes already fetched: a stream, so that it never opens a file or
    a url of its own; relative links resolve against the feed's address."""
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    return feedparser.parse(io.BytesIO(body), response_headers=headers)


def feed_items(entries: Sequence[feedparser.FeedParserDict]) -> tuple[list[FeedItem], int]:
    """The entries with a link, newest first (those without a date after, in feed order),
    each link once; and how many had no link."""
    items: list[FeedItem] = []
    unlinked = 0
    for entry in entries:
        link = (entry.get("link") or "").strip()
        if not link:
            unlinked += 1
            continue
        date, published = _when(entry.get("published_parsed") or entry.get("updated_parsed"))
        # Its own <updated> only: feedparser's get() falls back to the published date.
        _, updated = _when(dict.get(entry, "updated_parsed"))
        items.append(
            FeedItem(link, entry.get("title") or None, date, published, max(published, updated))
        )
    ordered = sorted(items, key=lambda item: (item.date is None, -item.published))
    unique = {item.link: item for item in reversed(ordered)}  # the first of each link wins
    return [item for item in ordered if unique[item.link] is item], unlinked


def _when(stamp: time.struct_time | None) -> tuple[dt.date | None, int]:
    """An item's date and its time in seconds; none and 0 for a date no calendar has
    (a CMS's ``0000-00-00``), as for an item without one."""
    if not stamp:
        return None, 0
    try:
        return dt.date(*stamp[:3]), calendar.timegm(stamp)
    except (ValueError, OverflowError, TypeError):
        return None, 0


def is_revised(item: FeedItem, state: FeedState) -> bool:
    """Whether a seen item is dated later than when it was taken: the article was
    revised (a correction, a developing story), and its page is read again."""
    return item.revised > state.revised.get(item.link, item.revised)


def revisions(state: FeedState, items: Sequence[FeedItem], handled: set[str]) -> dict[str, float]:
    """Each remembered link's date when it was last taken: a taken item's now, and one
    seen before with none recorded (or taken since it was last seen) from now on."""
    revised = dict(state.revised)
    for item in items:
        if item.revised and (item.link in handled or item.link not in revised):
            revised[item.link] = item.revised
    return {link: revised[link] for link in state.seen if link in revised}


REDATED_AT_ONCE = 3
"""More items seen before than this dated anew in one poll, all at one time, are a feed
that dates its items when it is made, not revisions to read again (as are all of a
feed's seen items, two or more, dated anew at one time)."""
MADE_WITHIN = 60.0
"""Seconds within which items' new dates count as one time, the feed's making."""


def dated_as_made(revised: Sequence[FeedItem], seen_in_feed: int) -> bool:
    """Whether the items dated anew are a feed dating its items as it is made: several,
    all at one time. Revisions made one by one (a correction here, an update there) have
    times of their own."""
    if len(revised) < 2:
        return False
    times = [item.revised for item in revised]
    at_once = max(times) - min(times) <= MADE_WITHIN
    return at_once and (len(revised) > REDATED_AT_ONCE or len(revised) == seen_in_feed)


SEEN_KEPT = 2_000
"""Links a feed's memory keeps after their items left it: a rotating "top stories" feed, or
one empty for a poll, brings old items back, and an article an editor deleted (retracted,
say) must not be written again. The memory keeps at least every link still in the feed."""


def remembered(seen: Sequence[str], in_feed: Sequence[str], handled: set[str]) -> list[str]:
    """The links to remember after a poll: those seen before, then the feed's own that
    were seen or handled now, the oldest forgotten first past SEEN_KEPT."""
    known = set(seen) | handled
    current = [link for link in dict.fromkeys(in_feed) if link in known]
    kept = set(current)
    earlier = [link for link in seen if link not in kept]
    return [*earlier, *current][-max(SEEN_KEPT, len(current)) :]
