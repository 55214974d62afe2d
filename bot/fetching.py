"""Fetching article pages and feeds over HTTP, politely and within limits.

Every request names the bot in its User-Agent, gives up after a connect and a total
timeout, follows at most a few redirects (http and https only), reads the body in
chunks and stops past a size cap, and checks the content type before anything parses
the body. A feed can be asked for conditionally (ETag, Last-Modified), and a 304 is
reported as :class:`NotModified`. Each failure is a :class:`FetchError` whose message
is one line saying what went wrong and where.
"""

from __future__ import annotations

import asyncio
import codecs
import os
from dataclasses import dataclass
from enum import Enum
from types import TracebackType
from typing import Self
from urllib.parse import urljoin, urlsplit

import aiohttp

from bot.corpus.structure import is_web_url
from bot.version import version

USER_AGENT = f"coverage-bot/{version()} (answers questions about news coverage; polite fetcher)"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK_BYTES = 64 * 1024


class ContentKind(Enum):
    """What a request expects back, and the content types that are that."""

    PAGE = ("an HTML page", frozenset({"text/html", "application/xhtml+xml"}))
    FEED = (
        "an RSS or Atom feed",
        frozenset(
            {
                "application/rss+xml",
                "application/atom+xml",
                "application/rdf+xml",
                "application/xml",
                "text/xml",
            }
        ),
    )

    @property
    def description(self) -> str:
        return self.value[0]

    @property
    def types(self) -> frozenset[str]:
        return self.value[1]


@dataclass(frozen=True)
class FetchLimits:
    """How long to wait and how much to take: a slow or huge response is refused, not
    waited out or read whole."""

    connect_timeout: float = 10.0
    timeout: float = 30.0
    max_bytes: int = 5 * 1024 * 1024
    max_redirects: int = 5


DEFAULT_LIMITS = FetchLimits()


@dataclass(frozen=True)
class Fetched:
    """A response that passed every check; ``url`` is where it came from after redirects."""

    url: str
    body: bytes
    content_type: str | None
    charset: str | None
    etag: str | None
    last_modified: str | None

    @property
    def markup(self) -> str | bytes:
        """The body for a page reader: decoded by the charset the response's header names,
        which HTML says comes before the page's own ``<meta charset>`` (a windows-1252
        page that says so only in its header read "crème" as "crčme"); as it came when
        the header names none, or one Python does not know, or a byte-order mark says."""
        if self.charset is None or self.body.startswith(_BYTE_ORDER_MARKS):
            return self.body
        try:
            codec = codecs.lookup(self.charset)
            if not getattr(codec, "_is_text_encoding", True):  # "base64", "rot13", "zip"...
                return self.body
            # As browsers do (the WHATWG Encoding standard): these labels mean windows-1252.
            return self.body.decode(_WINDOWS_1252.get(codec.name, codec.name), errors="replace")
        except (LookupError, UnicodeError):  # no codec by that name, or "idna", "undefined"
            return self.body


_BYTE_ORDER_MARKS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_WINDOWS_1252 = {"iso8859-1": "cp1252", "ascii": "cp1252"}


@dataclass(frozen=True)
class NotModified:
    """A 304: the feed has not changed since the ETag or date the request sent."""

    url: str


class FetchError(Exception):
    """A fetch that failed: ``reason`` says what, ``url`` where."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


class NotWebAddress(FetchError):
    """Not an http(s) address, as given or as a redirect named it."""


class Unreachable(FetchError):
    """The host could not be resolved or connected to."""


class HTTPStatusError(FetchError):
    """The server answered with an error status (404, 500...)."""

    def __init__(self, url: str, status: int, why: str) -> None:
        super().__init__(url, f"HTTP {status} {why}".rstrip())
        self.status = status


class FetchTimeout(FetchError):
    """No whole response within the time allowed."""


class TooLarge(FetchError):
    """A body larger than the cap; it is not read past the cap."""


class WrongContentType(FetchError):
    """A response that is not what was asked for (an image where a page was expected)."""


class TooManyRedirects(FetchError):
    """A redirect loop, or a chain longer than the limit."""


class Fetcher:
    """One HTTP session for a batch of fetches; use as ``async with Fetcher() as f``."""

    def __init__(self, limits: FetchLimits = DEFAULT_LIMITS) -> None:
        self.limits = limits
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Self:
        timeout = aiohttp.ClientTimeout(
            sock_connect=self.limits.connect_timeout, connect=self.limits.connect_timeout
        )
        self._session = aiohttp.ClientSession(
            timeout=timeout, headers={"User-Agent": USER_AGENT}, trust_env=False
        )
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def get(
        self,
        url: str,
        kind: ContentKind,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> Fetched | NotModified:
        """The response at ``url`` (after redirects), or NotModified for a 304 to the
        conditional headers; FetchError for anything else."""
        if self._session is None:
            raise RuntimeError("use the Fetcher in 'async with'")
        headers = {"Accept": ", ".join(sorted(kind.types)) + ", */*;q=0.1"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        try:
            async with asyncio.timeout(self.limits.timeout):
                return await self._follow(self._session, url, kind, headers)
        except TimeoutError as error:
            raise FetchTimeout(url, f"no response within {self.limits.timeout:g} s") from error

    async def _follow(
        self, session: aiohttp.ClientSession, url: str, kind: ContentKind, headers: dict[str, str]
    ) -> Fetched | NotModified:
        visited = [url]
        while True:
            if not is_web_url(url):
                raise NotWebAddress(url, "not an http(s) address")
            try:
                async with session.get(url, headers=headers, allow_redirects=False) as response:
                    location = response.headers.get("Location")
                    if response.status not in _REDIRECTS or not location:
                        return await _checked(response, url, kind, self.limits.max_bytes)
            except aiohttp.ClientConnectorDNSError as error:
                # os.strerror would read its resolver code (-2) as "Unknown error -2".
                host = urlsplit(url).hostname or urlsplit(url).netloc
                raise Unreachable(url, f"cannot find the host {host} (no such name)") from error
            except aiohttp.ClientConnectorError as error:
                host = urlsplit(url).netloc
                code = error.os_error.errno
                why = os.strerror(code) if code else _one_line(error.os_error)
                raise Unreachable(url, f"cannot connect to {host} ({why})") from error
            except aiohttp.InvalidURL as error:
                raise NotWebAddress(url, "not a valid address") from error
            except (aiohttp.ClientResponseError, aiohttp.ClientPayloadError) as error:
                # The parser's own words quote the bytes it choked on, escapes and all.
                raise Unreachable(url, "the server's response is not valid HTTP") from error
            except aiohttp.ClientError as error:
                raise Unreachable(url, f"connection failed: {_one_line(error)}") from error
            try:
                url = urljoin(url, location)
            except ValueError as error:  # an unclosed "[" in its host, for one
                raise NotWebAddress(visited[0], "redirected to a malformed address") from error
            if url in visited:
                raise TooManyRedirects(visited[0], f"redirect loop back to {url}")
            visited.append(url)
            if len(visited) > self.limits.max_redirects + 1:
                raise TooManyRedirects(
                    visited[0], f"more than {self.limits.max_redirects} redirects"
                )


async def _checked(
    response: aiohttp.ClientResponse, url: str, kind: ContentKind, max_bytes: int
) -> Fetched | NotModified:
    """The response's body once its status, type and size pass."""
    if response.status == 304:
        return NotModified(url)
    if response.status >= 400 or response.status < 200:
        raise HTTPStatusError(url, response.status, response.reason or "")
    content_type = response.headers.get("Content-Type")
    mime = content_type.split(";")[0].strip().lower() if content_type else None
    if mime is not None and mime not in kind.types:
        raise WrongContentType(url, f"is {mime}, not {kind.description}")
    declared = response.content_length
    if declared is not None and declared > max_bytes:
        raise TooLarge(url, f"is {megabytes(declared)}, more than the {megabytes(max_bytes)} limit")
    body = bytearray()
    async for chunk in response.content.iter_chunked(_CHUNK_BYTES):
        body += chunk
        if len(body) > max_bytes:
            raise TooLarge(url, f"is more than the {megabytes(max_bytes)} limit")
    return Fetched(
        url=url,
        body=bytes(body),
        content_type=mime,
        charset=response.charset,
        etag=response.headers.get("ETag"),
        last_modified=response.headers.get("Last-Modified"),
    )


def megabytes(count: int) -> str:
    """A size as the limits are told: "5.0 MB"."""
    return f"{count / (1024 * 1024):.1f} MB"


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split()) or type(error).__name__
