"""Following RSS and Atom feeds: each new item's article page is added to the corpus.

:class:`Poller` is what both front ends drive: ``coverage-bot follow`` in a loop, the
bot from a background task. ``await poller.poll_due(now)`` polls the feeds that are
due, asking conditionally (ETag, Last-Modified), and backs a failing feed off
exponentially. feedparser reads the bytes aiohttp fetched (it never fetches itself),
so every request keeps the same limits. A new item's page is fetched, extracted and
written into the corpus like ``coverage-bot add``; an item seen before is fetched again
only when it is dated later (see :mod:`bot.feed_items`). Everything that went wrong is one
line in the report, and the rest goes on.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bot.corpus import Article, Corpus
from bot.corpus.html import NotAnArticle, WebArticle, extract_article
from bot.corpus.structure import is_web_url
from bot.corpus.writer import CorpusWriter, Written
from bot.feed_items import (
    FeedItem,
    dated_as_made,
    feed_items,
    is_revised,
    parse_feed,
    remembered,
    revisions,
)
from bot.feed_state import FeedBook, FeedState, FeedStore
from bot.fetching import (
    DEFAULT_LIMITS,
    ContentKind,
    Fetcher,
    FetchError,
    FetchLimits,
    FetchTimeout,
    HTTPStatusError,
    NotModified,
    Unreachable,
)
from bot.sentences import split_sentences
from bot.summary import SummaryError, summarize_article

MAX_NEW_ITEMS = 50
"""New items fetched from one feed in one poll; the rest are passed over on a feed's first
poll (its archive) and wait for the next poll after that, said in a line either way."""
MAX_BACKOFF = 6 * 3600.0
"""The longest a failing feed waits between attempts (unless its interval is longer)."""


@dataclass(frozen=True)
class AddedArticle:
    """An article a poll wrote into the corpus, for an announcement."""

    headline: str
    url: str | None
    date: dt.date | None
    summary: str
    path: Path
    passages: int
    updated: bool
    feed: str


@dataclass(frozen=True)
class FeedResult:
    """One feed's poll: ``result`` in one line, and one line for each thing passed over."""

    feed: str
    ok: bool
    result: str
    notes: tuple[str, ...] = ()
    articles: tuple[AddedArticle, ...] = ()


@dataclass(frozen=True)
class FeedStatus:
    """A followed feed's last poll, for /about and ``feeds list``."""

    url: str
    polled: dt.datetime | None
    result: str | None


@dataclass(frozen=True)
class PollReport:
    """The feeds a poll found due, in order, and what each gave."""

    feeds: tuple[FeedResult, ...]

    @property
    def articles(self) -> tuple[AddedArticle, ...]:
        return tuple(article for feed in self.feeds for article in feed.articles)


class Poller:
    """Polls the followed feeds (``configured`` and those added by command) into the
    corpus folder ``corpus``, remembering each feed in ``state_dir``."""

    def __init__(
        self,
        configured: Sequence[str],
        state_dir: Path,
        corpus: Path,
        *,
        interval: float = 900.0,
        limits: FetchLimits = DEFAULT_LIMITS,
        max_new_items: int = MAX_NEW_ITEMS,
    ) -> None:
        self.configured = tuple(configured)
        self.store = FeedStore(state_dir)
        self.writer = CorpusWriter(corpus)  # refuses a corpus it cannot write, at once
        self.interval = interval
        self.limits = limits
        self.max_new_items = max_new_items
        self._lock = asyncio.Lock()

    def followed(self, book: FeedBook | None = None) -> list[str]:
        """The configured feeds, then those added by command, each once (whatever the
        case of its scheme and host)."""
        book = book or self.store.load()
        return followed_feeds(self.configured, book.added)

    def statuses(self) -> list[FeedStatus]:
        """Each followed feed and how its last poll went (FeedStateError if the state
        file cannot be read)."""
        book = self.store.load()
        statuses = []
        for url in self.followed(book):
            state = book.states.get(url, FeedState())
            polled = dt.datetime.fromisoformat(state.last_poll) if state.last_poll else None
            statuses.append(FeedStatus(url, polled, state.last_result))
        return statuses

    def next_due(self) -> dt.datetime | None:
        """When the next followed feed is due (None: one is due now)."""
        book = self.store.load()
        times = [book.states.get(url, FeedState()).next_attempt for url in self.followed(book)]
        if not times or None in times:
            return None
        return min(dt.datetime.fromisoformat(t) for t in times if t is not None)

    async def poll_due(self, now: dt.datetime | None = None) -> PollReport:
        """Poll every followed feed that is due at ``now`` (default: now), one after
        another; the state is saved after each feed."""
        async with self._lock:
            now = now or dt.datetime.now(dt.UTC)
            book = self.store.load()
            followed = self.followed(book)
            book.states = {url: book.states.get(url, FeedState()) for url in followed}
            results: list[FeedResult] = []
            async with Fetcher(self.limits) as fetcher:
                for url in followed:
                    state = book.states[url]
                    if not state.due(now):
                        continue
                    results.append(await self._poll(fetcher, url, state, now))
                    self.store.update(partial(self._keep, url, state))
            return PollReport(tuple(results))

    def _keep(self, url: str, state: FeedState, book: FeedBook) -> None:
        """Record one feed's state in the book as it is on disk now, unless the feed
        stopped being followed while it was polled (``feeds remove``)."""
        if url in self.configured or url in book.added:
            book.states[url] = state

    async def _poll(
        self, fetcher: Fetcher, url: str, state: FeedState, now: dt.datetime
    ) -> FeedResult:
        try:
            got = await fetcher.get(
                url, ContentKind.FEED, etag=state.etag, last_modified=state.last_modified
            )
        except FetchError as error:
            return self._failed(url, state, now, error.reason)
        if isinstance(got, NotModified):
            return self._done(url, state, now, "not modified")
        parsed = await asyncio.to_thread(parse_feed, got.body, got.url, got.content_type)
        notes: list[str] = []
        if parsed.bozo:
            why = " ".join(str(parsed.get("bozo_exception", "")).split())
            if not parsed.entries:
                return self._failed(url, state, now, f"malformed feed: {why}")
            notes.append(f"malformed feed ({why}); {len(parsed.entries)} items read anyway")
        elif not parsed.get("version") and not parsed.entries:  # none when the body is empty
            return self._failed(url, state, now, "not an RSS or Atom feed")
        items, unlinked = feed_items(parsed.entries)
        if unlinked:
            notes.append(f"{_items_count(unlinked)} without a link skipped")
        seen = set(state.seen)
        revised = [item for item in items if item.link in seen and is_revised(item, state)]
        restamped: set[str] = set()
        if dated_as_made(revised, sum(item.link in seen for item in items)):
            notes.append(
                f"{_items_count(len(revised))} seen before dated anew, all at one time: the "
                "feed dates its items as it is made, so none is read again as revised"
            )
            restamped = {item.link for item in revised}
            revised = []
        # New articles before revised ones, should the poll's cap be reached.
        new = [item for item in items if item.link not in seen] + revised
        over = max(0, len(new) - self.max_new_items)
        # A feed's first poll takes its newest items and passes over the archive behind
        # them (dated older than those, so known to be older), which is not news; later,
        # items past the cap are new articles that came faster than polls, and wait
        # unseen for the next poll, as undated ones always do.
        backlog = (
            not state.taken_in
            and not seen
            and all(item.date is not None for item in new[self.max_new_items :])
        )
        left = 0 if backlog else over
        if over and backlog:
            notes.append(
                f"{over} older items passed over: a feed's first poll fetches its "
                f"{self.max_new_items} newest (coverage-bot add URL takes any other)"
            )
        elif over:
            notes.append(
                f"{over} older new items left for the next poll "
                f"(at most {self.max_new_items} are fetched a poll)"
            )
        handled = {item.link for item in new[self.max_new_items :]} if backlog else set()
        articles: list[AddedArticle] = []
        retry = False
        written = set(state.written)
        for item in new[: self.max_new_items]:
            outcome = await self._add_item(fetcher, item, url, written)
            if isinstance(outcome, AddedArticle):
                articles.append(outcome)
                handled.add(item.link)
                continue
            message, transient = outcome
            notes.append(message)
            retry = retry or transient
            if not transient:
                handled.add(item.link)
        state.seen = remembered(state.seen, [item.link for item in items], handled)
        state.revised = revisions(state, items, handled | restamped)
        state.written = [link for link in state.seen if link in written]
        # An item that failed for now, or was left for later, is fetched at the next poll,
        # so the next request must not be conditional: a 304 would hide it.
        unconditional = retry or left > 0
        state.etag = None if unconditional else got.etag
        state.last_modified = None if unconditional else got.last_modified
        fetched = min(len(new), self.max_new_items)
        result = _result_line(len(new), articles, fetched, retry, backlog)
        state.taken_in = True
        return self._done(url, state, now, result, notes, articles)

    async def _add_item(
        self, fetcher: Fetcher, item: FeedItem, feed: str, written: set[str]
    ) -> AddedArticle | tuple[str, bool]:
        """The article the item links to, written into the corpus; or a line saying why
        not, and whether it is worth trying again (the site was down or slow). ``written``
        holds the links whose articles were written before (and gains this one's): such a
        link, revised, only updates its file, so one removed from the corpus (a
        retraction, say) is not written again; a link refused before (a stub, a paywall,
        a 404) may be written once revised."""
        update_only = item.link in written
        try:
            page = await fetcher.get(item.link, ContentKind.PAGE)
        except FetchError as error:
            return f"refused {item.link}: {error.reason}", _transient(error)
        if isinstance(page, NotModified):  # never asked conditionally; a server's mistake
            return f"refused {item.link}: HTTP 304 to a plain request", True
        try:
            done = await asyncio.to_thread(self._write, page.markup, page.url, item, update_only)
        except NotAnArticle as error:
            return f"refused {item.link}: {error}", False
        except OSError as error:
            return f"could not write {item.link}: {error.strerror or error}", True
        if done is None:
            return f"revised, but its article is no longer in the corpus: {item.link}", False
        written.add(item.link)
        if done.unchanged:
            return f"already in the corpus, unchanged: {item.link}", False
        if done.kept:
            return f"not written over {done.path}, which {done.kept}: {item.link}", False
        return added_article(done, feed)

    def _write(
        self, markup: str | bytes, url: str, item: FeedItem, update_only: bool
    ) -> Written | None:
        article = extract_article(markup, url, headline=item.title, date=item.date)
        if update_only and not self.writer.has_file(article):
            return None
        return self.writer.write(article)

    def _done(
        self,
        url: str,
        state: FeedState,
        now: dt.datetime,
        result: str,
        notes: Sequence[str] = (),
        articles: Sequence[AddedArticle] = (),
    ) -> FeedResult:
        state.failures = 0
        state.last_poll, state.last_result = now.isoformat(), result
        state.next_attempt = (now + dt.timedelta(seconds=self.interval)).isoformat()
        return FeedResult(url, True, result, tuple(notes), tuple(articles))

    def _failed(self, url: str, state: FeedState, now: dt.datetime, why: str) -> FeedResult:
        """A failed poll: the feed waits twice as long after each failure in a row."""
        state.failures += 1
        # Past 64 doublings every interval is past the longest wait; 2 ** 1024 would be
        # no float at all (a feed dead for eight months, tried every six hours, has failed
        # that often).
        doublings = min(state.failures, 64)
        wait = min(self.interval * 2**doublings, max(MAX_BACKOFF, self.interval))
        state.next_attempt = (now + dt.timedelta(seconds=wait)).isoformat()
        result = f"failed: {why} ({_times(state.failures)} in a row; next try in {_span(wait)})"
        state.last_poll, state.last_result = now.isoformat(), result
        return FeedResult(url, False, result)


class FeedListError(ValueError):
    """A feed that cannot be added or removed; the message says why."""


def feed_address(url: str) -> str:
    """``url`` with its scheme and host in lower case, as they are compared: HTTP://Host/feed
    and http://host/feed are one feed (the path's case is the server's to decide). An
    address that cannot be parsed is compared as written."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    return urlunsplit(parts._replace(scheme=parts.scheme.lower(), netloc=parts.netloc.lower()))


def followed_feeds(configured: Sequence[str], added: Sequence[str]) -> list[str]:
    """The configured feeds, then those added by command, each once whatever the case of
    its scheme and host (as first spelled)."""
    unique: dict[str, str] = {}
    for url in [*configured, *added]:
        unique.setdefault(feed_address(url), url)
    return list(unique.values())


def follow_feed(store: FeedStore, configured: Sequence[str], url: str) -> bool:
    """Follow ``url`` from now on; False when it is followed already."""
    if not is_web_url(url):
        raise FeedListError(f"not an http(s) address: {url}")
    address = feed_address(url)

    def follow(book: FeedBook) -> bool:
        if address in map(feed_address, [*configured, *book.added]):
            return False
        book.added.append(address)
        return True

    return store.update(follow)


def unfollow_feed(store: FeedStore, configured: Sequence[str], url: str) -> None:
    """Stop following ``url`` and forget its state; only a feed added by command can be."""
    address = feed_address(url)

    def unfollow(book: FeedBook) -> None:
        added = [feed for feed in book.added if feed_address(feed) == address]
        if added:
            book.added.remove(added[0])
            book.states.pop(added[0], None)
        elif address in map(feed_address, configured):
            raise FeedListError(f"{url} is in COVERAGE_BOT_FEEDS; remove it there")
        else:
            raise FeedListError(f"not following {url}")

    store.update(unfollow)


def added_article(written: Written, feed: str) -> AddedArticle:
    article = written.article
    return AddedArticle(
        headline=article.headline,
        url=article.url,
        date=article.date,
        summary=one_sentence(article),
        path=written.path,
        passages=written.passages,
        updated=written.updated,
        feed=feed,
    )


def one_sentence(article: WebArticle) -> str:
    """The sentence that best sums the article up (the article summary's first), for an
    announcement; the first sentence when it has none a summary may show."""
    record = Article("new", article.headline, article.passages, article.date)
    try:
        return summarize_article(Corpus((record,)), "new", 1).sentences[0].text
    except (SummaryError, IndexError):
        first = article.passages[0].body if article.passages else article.headline
        sentences = split_sentences(first)
        return sentences[0] if sentences else first


def _transient(error: FetchError) -> bool:
    """Whether a failed page may well work later: the site down, slow or overloaded."""
    if isinstance(error, HTTPStatusError):
        return error.status >= 500 or error.status == 429
    return isinstance(error, Unreachable | FetchTimeout)


def _result_line(
    new: int, articles: Sequence[AddedArticle], fetched: int, retry: bool, backlog: bool
) -> str:
    """``3 new items: 1 added, 1 updated, 1 not added``, or ``no new items``; the items
    not fetched were ``passed over`` (a first poll's archive) or ``left for the next poll``."""
    if not new:
        return "no new items"
    updated = sum(article.updated for article in articles)
    counts = {
        "added": len(articles) - updated,
        "updated": updated,
        "not added": fetched - len(articles),
        "passed over" if backlog else "left for the next poll": new - fetched,
    }
    line = f"{_items_count(new, 'new ')}: " + ", ".join(
        f"{n} {what}" for what, n in counts.items() if n
    )
    return f"{line} (tried again next poll)" if retry else line


def _items_count(count: int, kind: str = "") -> str:
    return f"1 {kind}item" if count == 1 else f"{count} {kind}items"


def _times(count: int) -> str:
    return "once" if count == 1 else f"{count} times"


def _span(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:g} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
