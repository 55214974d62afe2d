"""A small news site on 127.0.0.1 for the web tests: article pages, a listing page, a
paywall stub, feeds, and every way a fetch can go wrong. It runs in a thread of its own,
so that tests that call the CLI's ``main()`` (which runs its own event loop) and async
tests can both use it; it records every request it was sent."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from aiohttp import web

ARTICLE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{headline} | Valley Courier</title>
<meta property="og:type" content="article">
<meta property="og:title" content="{headline}">
<meta property="og:site_name" content="Valley Courier">
<meta name="author" content="{author}">
{canonical}
<meta property="article:published_time" content="{date}T09:30:00Z">
</head><body>
<header><nav><a href="/">Home</a> <a href="/city">City</a></nav></header>
<main><article>
<h1>{headline}</h1>
<p class="byline">By {author}</p>
{paragraphs}
</article></main>
<footer><p>© 2025 Valley Courier. All rights reserved.</p></footer>
</body></html>"""

DEPOT_PARAGRAPHS = [
    "The Calder Falls city council voted 7-2 on Friday night to build a new bus depot on the "
    "site of the old rail yard, ending a two-year fight over where the growing fleet is kept.",
    "The depot will hold 120 buses and cost $48 million, most of it paid by a federal transit "
    "grant the city won last autumn. Construction is due to start in June.",
    '"This is the biggest investment in public transit this city has made in a generation," '
    "Mayor Lena Ortiz said after the vote.",
    "Transit union leaders, who settled a three-week strike this month, welcomed the decision "
    "but said drivers still needed better break rooms at the downtown terminal.",
]

LISTING = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>City news | Valley Courier</title></head>
<body><main><h1>City news</h1><ul class="stories">
<li><a href="/a/1"><h2>Calder Falls council approves new bus depot</h2></a>
<p>The council voted 7-2 to build a depot on the old rail yard.</p></li>
<li><a href="/a/2"><h2>Bus ridership rebounds after the strike</h2></a>
<p>Ridership is back to 90 percent of its level before the strike.</p></li>
<li><a href="/a/3"><h2>Buses return to the streets</h2></a>
<p>The first buses left the depot at 5 a.m. on Tuesday.</p></li>
<li><a href="/a/4"><h2>Union ratifies the contract</h2></a>
<p>Members voted 812 to 140 in favour of the deal.</p></li>
</ul></main></body></html>"""

PAYWALL = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Inside the deal that ended the bus strike</title>
<meta property="og:type" content="article">
<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle",
"headline": "Inside the deal that ended the bus strike", "isAccessibleForFree": false}</script>
</head><body><article><h1>Inside the deal that ended the bus strike</h1>
<p>It took eleven hours of talks and a late-night call from the governor to end it.</p>
<div class="paywall"><p>Subscribe to continue reading. Already a subscriber? Log in.</p></div>
</article></body></html>"""


def article_page(
    headline: str,
    paragraphs: list[str],
    *,
    date: str = "2025-03-22",
    author: str = "Dana Whitfield",
    canonical: str | None = None,
) -> str:
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    body = "\n".join(f"<p>{text}</p>" for text in paragraphs)
    return ARTICLE.format(
        headline=headline, author=author, date=date, canonical=link, paragraphs=body
    )


def filler_paragraphs(topic: str, count: int = 4) -> list[str]:
    """Paragraphs enough for an article, about ``topic``."""
    return [
        f"Paragraph {n} about {topic}: the city transit agency said on Monday that the "
        f"changes to {topic} would be reviewed by the council before the summer timetable."
        for n in range(1, count + 1)
    ]


def rss(items: list[dict[str, str]], title: str = "Valley Courier") -> str:
    """An RSS 2.0 document; each item's keys are its element names (title, link, pubDate)."""
    entries = "".join(
        "<item>" + "".join(f"<{k}>{v}</{k}>" for k, v in item.items()) + "</item>" for item in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>http://127.0.0.1/</link>{entries}</channel></rss>"
    )


@dataclass
class Site:
    """What the site serves (change it between polls) and what it was asked."""

    base: str = ""
    pages: dict[str, tuple[str, str]] = field(default_factory=dict)
    """path -> (content type, body)"""
    etags: dict[str, str] = field(default_factory=dict)
    last_modified: dict[str, str] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    huge_bytes_sent: int = 0

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def serve(self, path: str, body: str | bytes, content_type: str = "text/html") -> str:
        """Serve ``body`` at ``path``: text as UTF-8 (and said so), bytes as they are, under
        exactly ``content_type``."""
        self.pages[path] = (content_type, body)
        return self.url(path)

    def asked(self, path: str) -> list[dict[str, str]]:
        """The headers of every request for ``path``, in order."""
        return [headers for asked, headers in self.requests if asked == path]


def _app(site: Site) -> web.Application:
    async def page(request: web.Request) -> web.StreamResponse:
        path = request.path
        site.requests.append((path, dict(request.headers)))
        if path == "/error":
            raise web.HTTPInternalServerError()
        if path.startswith("/loop-"):
            raise web.HTTPFound("/loop-b" if path == "/loop-a" else "/loop-a")
        if path == "/malformed-redirect":
            return web.Response(status=302, headers={"Location": "http://[::1"})
        if path == "/moved":
            raise web.HTTPMovedPermanently("/article/depot")
        if path == "/slow":
            await asyncio.sleep(3)
            return web.Response(text="too late", content_type="text/html")
        if path in {"/huge", "/huge-declared"}:
            return await _huge(request, site, declared=path == "/huge-declared")
        if path == "/image":
            return web.Response(body=b"\x89PNG\r\n\x1a\n" + b"\0" * 64, content_type="image/png")
        if path not in site.pages:
            raise web.HTTPNotFound()
        content_type, body = site.pages[path]
        headers = {}
        if etag := site.etags.get(path):
            if request.headers.get("If-None-Match") == etag:
                return web.Response(status=304)
            headers["ETag"] = etag
        if modified := site.last_modified.get(path):
            if request.headers.get("If-Modified-Since") == modified:
                return web.Response(status=304)
            headers["Last-Modified"] = modified
        if isinstance(body, bytes):
            return web.Response(body=body, headers={**headers, "Content-Type": content_type})
        return web.Response(text=body, content_type=content_type, headers=headers)

    app = web.Application()
    app.router.add_get("/{tail:.*}", page)
    return app


async def _huge(request: web.Request, site: Site, declared: bool) -> web.StreamResponse:
    """50 MB of HTML, sent a megabyte at a time for as long as the client reads."""
    total = 50 * 1024 * 1024
    response = web.StreamResponse(headers={"Content-Type": "text/html"})
    if declared:
        response.content_length = total
    await response.prepare(request)
    chunk = b"<p>" + b"x" * (1024 * 1024 - 7) + b"</p>\n"
    try:
        while site.huge_bytes_sent < total:
            await response.write(chunk)
            site.huge_bytes_sent += len(chunk)
    except (ConnectionResetError, ConnectionError):
        pass
    return response


@contextmanager
def running_site() -> Iterator[Site]:
    """The site, serving on a free port of 127.0.0.1 until the block ends."""
    site = Site()
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    runner = web.AppRunner(_app(site), handler_cancellation=True, shutdown_timeout=0.2)

    async def start() -> None:
        await runner.setup()
        tcp = web.TCPSite(runner, "127.0.0.1", 0)
        await tcp.start()
        port = runner.addresses[0][1]
        site.base = f"http://127.0.0.1:{port}"
        ready.set()

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=10)
    ready.wait(10)
    try:
        yield site
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


def closed_port() -> int:
    """A port of 127.0.0.1 nothing listens on."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
