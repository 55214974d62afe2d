"""``coverage-bot add``, ``feeds`` and ``follow``: keeping the corpus current from a terminal.

Imported only when one of these commands runs, so that ``ask`` never loads the HTTP,
extraction and feed libraries.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.cli import (
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    CommandError,
    _print_warnings,
    user_path,
)
from bot.config import MAX_FEED_INTERVAL, MIN_FEED_INTERVAL, Settings
from bot.corpus.html import NotAnArticle, extract_article
from bot.corpus.structure import is_web_url
from bot.corpus.writer import CorpusNotWritable, CorpusWriter, Written
from bot.feed_state import FeedStateError, FeedStore
from bot.feeds import (
    AddedArticle,
    FeedListError,
    Poller,
    feed_address,
    follow_feed,
    followed_feeds,
    unfollow_feed,
)
from bot.fetching import ContentKind, Fetcher, FetchError, NotModified, megabytes
from bot.file_modes import NotAFile, read_file
from bot.index_folder import IndexLoadError, current_generation
from bot.knowledge import KNOWLEDGE_ERRORS, refresh_index
from bot.store import indexed_corpus
from bot.terminal import plain


def run_web_command(args: argparse.Namespace, settings: Settings) -> int:
    """The exit code of ``add``, ``feeds`` or ``follow``; CommandError for a failure."""
    try:
        if args.command == "feeds":
            return _feeds(args, settings)
        index = args.index or settings.index
        corpus = _target_corpus(args.corpus, settings, index)
        if args.command == "add":
            return asyncio.run(_add(args.inputs, corpus, index))
        return _follow(args, settings, corpus, index)
    except CorpusNotWritable as error:
        raise CommandError(str(error), EXIT_USAGE) from error
    except (FeedStateError, FeedListError) as error:
        code = EXIT_USAGE if isinstance(error, FeedListError) else EXIT_FAILURE
        raise CommandError(str(error), code) from error


def _target_corpus(given: Path | None, settings: Settings, index: Path | None) -> Path:
    """The folder to write into: --corpus, else the index's own corpus, else the setting.
    A --corpus other than the one the index was built from is refused: the index would
    answer from the other."""
    recorded = indexed_corpus(index) if index is not None else None
    if given is not None and recorded is not None and given.resolve() != recorded:
        raise CommandError(
            f"the index at {index} is built from {recorded}, not {given}; "
            "leave --corpus out to add to that corpus",
            EXIT_USAGE,
        )
    return given or recorded or settings.corpus


async def _add(inputs: Sequence[str], corpus: Path, index: Path | None) -> int:
    """Each URL or file in turn, one line each; the index refreshed once at the end. A
    corpus folder that did not exist is made, and said to be new (a mistyped --corpus
    shows), or removed again if nothing was written into it."""
    made = [folder for folder in (corpus, *corpus.parents) if not folder.exists()]
    writer = CorpusWriter(corpus)
    refused = 0
    async with Fetcher() as fetcher:
        for given in inputs:
            try:
                written = await _add_one(fetcher, writer, given)
            except (FetchError, NotAnArticle, _InputError) as error:
                reason = error.reason if isinstance(error, FetchError) else str(error)
                print(f"refused {plain(given)}: {plain(reason)}", file=sys.stderr, flush=True)
                refused += 1
                continue
            print(_written_line(written), flush=True)
    if made and refused == len(inputs):
        with contextlib.suppress(OSError):  # only while empty: never anyone's files
            for folder in made:  # the deepest first
                folder.rmdir()
    elif made:
        print(plain(f"note: made the corpus folder {corpus}, which was not there"), file=sys.stderr)
    if refused < len(inputs) and index is not None:
        _refresh(index, corpus)
    return EXIT_OK if not refused else EXIT_FAILURE


class _InputError(ValueError):
    """An argument to ``add`` that is neither a web address nor a readable file."""


async def _add_one(fetcher: Fetcher, writer: CorpusWriter, given: str) -> Written:
    if "://" in given:
        if not is_web_url(given):
            raise _InputError("not an http(s) address")
        page = await fetcher.get(given, ContentKind.PAGE)
        if isinstance(page, NotModified):
            raise _InputError("HTTP 304 to a plain request")
        article = await asyncio.to_thread(extract_article, page.markup, page.url)
    else:
        raw = _saved_page(user_path(given), fetcher.limits.max_bytes)
        article = await asyncio.to_thread(extract_article, raw)
    try:
        return writer.write(article)
    except OSError as error:
        raise _InputError(f"could not be written into {writer.folder}: {error.strerror}") from error


def _saved_page(path: Path, limit: int) -> bytes:
    """A page saved to a file: a regular file of at most ``limit`` bytes, as a fetched
    page may be (a pipe would wait for a writer, /dev/zero never end, and a 3 GB file
    fill the memory)."""
    try:
        raw = read_file(path, limit)
    except NotAFile as error:
        raise _InputError("is not a file") from error
    except OSError as error:
        raise _InputError(f"cannot be read: {error.strerror}") from error
    if len(raw) > limit:
        raise _InputError(f"is more than the {megabytes(limit)} limit")
    return raw


def _written_line(written: Written | AddedArticle) -> str:
    if isinstance(written, Written) and written.kept:
        return plain(
            f"kept: {written.path} {written.kept}, so the page's new text "
            f"({written.article.headline}) was not written; move the file out of the corpus "
            "folder (or delete it) to take it"
        )
    if isinstance(written, Written) and written.unchanged:
        what = "unchanged"
    else:
        what = "updated" if written.updated else "added"
    headline = written.article.headline if isinstance(written, Written) else written.headline
    return plain(f"{what}: {headline} ({written.passages} passages) -> {written.path}")


def _refresh(index: Path, corpus: Path) -> None:
    """Bring the index up to date, and say which of three things that was: built anew,
    updated (a new generation), or already up to date."""
    before = _generation_in_use(index)
    try:
        warnings = refresh_index(index, corpus)
    except KNOWLEDGE_ERRORS as error:
        raise CommandError(
            f"the articles are in {corpus}, but the index at {index} could not be updated: {error}"
        ) from error
    _print_warnings(warnings)
    after = _generation_in_use(index)
    done = "built" if before is None else "up to date" if after == before else "updated"
    print(plain(f"index {done}: {index}"), flush=True)


def _generation_in_use(index: Path) -> Path | None:
    """The index folder's generation in use, or None where there is no index yet."""
    try:
        return current_generation(index)
    except IndexLoadError:
        return None


def _feeds(args: argparse.Namespace, settings: Settings) -> int:
    store = FeedStore(settings.state_dir)
    if args.feeds_command == "add":
        address = feed_address(args.url)
        if follow_feed(store, settings.feeds, args.url):
            print(plain(f"following {address}"))
        else:
            print(plain(f"already following {address}"))
    elif args.feeds_command == "remove":
        unfollow_feed(store, settings.feeds, args.url)
        print(plain(f"no longer following {args.url}"))
    else:
        book = store.load()
        followed = followed_feeds(settings.feeds, book.added)
        if not followed:
            print("no feeds followed: set COVERAGE_BOT_FEEDS or run coverage-bot feeds add URL")
        for url in followed:
            origin = "COVERAGE_BOT_FEEDS" if url in settings.feeds else "added"
            state = book.states.get(url)
            if state is None or state.last_poll is None:
                print(plain(f"{url} ({origin}): not polled yet"))
            else:
                when = dt.datetime.fromisoformat(state.last_poll).strftime("%Y-%m-%d %H:%M %Z")
                print(plain(f"{url} ({origin}): polled {when}: {state.last_result}"))
    return EXIT_OK


def _follow(args: argparse.Namespace, settings: Settings, corpus: Path, index: Path | None) -> int:
    interval = args.interval if args.interval is not None else settings.feed_interval
    if not MIN_FEED_INTERVAL <= interval <= MAX_FEED_INTERVAL:
        raise CommandError(
            f"--interval must be from {MIN_FEED_INTERVAL:g} to {MAX_FEED_INTERVAL:g} seconds, "
            f"not {interval:g}",
            EXIT_USAGE,
        )
    poller = Poller(settings.feeds, settings.state_dir, corpus, interval=interval)
    if not poller.followed():
        raise CommandError(
            "no feeds to follow: set COVERAGE_BOT_FEEDS or run coverage-bot feeds add URL",
            EXIT_USAGE,
        )
    try:
        return asyncio.run(_follow_loop(poller, corpus, index, args.once))
    except KeyboardInterrupt:  # how a following run ends; a single poll was cut short
        print("stopped following", file=sys.stderr)
        return EXIT_INTERRUPTED if args.once else EXIT_OK


async def _follow_loop(poller: Poller, corpus: Path, index: Path | None, once: bool) -> int:
    """Poll what is due, say what happened, refresh the index when articles came; then,
    unless ``once``, sleep until the next feed is due."""
    while True:
        report = await poller.poll_due()
        for feed in report.feeds:
            print(plain(f"{feed.feed}: {feed.result}"), flush=True)
            for note in feed.notes:
                print(plain(f"  {note}"), flush=True)
            for article in feed.articles:
                print(f"  {_written_line(article)}", flush=True)
        if not report.feeds:
            print("no feed is due yet", flush=True)
        if report.articles and index is not None:
            await asyncio.to_thread(_refresh, index, corpus)
        if once:
            return EXIT_OK if all(feed.ok for feed in report.feeds) else EXIT_FAILURE
        due = poller.next_due()
        wait = 0.0 if due is None else (due - dt.datetime.now(dt.UTC)).total_seconds()
        await asyncio.sleep(min(max(wait, 1.0), poller.interval))
