"""Articles from the web written into the corpus folder, as Markdown a person can read.

The corpus stays the one source of truth: an article added from a page or a feed is a
Markdown file with front matter (headline, date, url, source, author) that the loader
reads like any other, so a rebuild from the folder answers the same, and a person can
see, edit or delete what was added. Files coverage-bot writes say so in their front
matter (``written_by: coverage-bot``); only those are ever replaced. The same article
seen again (same url, or same headline and date) replaces its own file, atomically;
a name taken by anyone else's file makes the new file take another. Each file also
records the sha256 of what was written (``written_sha256``), so a file someone edited
since is told apart and kept as they left it.
"""

from __future__ import annotations

import glob
import hashlib
import os
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from bot.config import BUNDLED_CORPUS
from bot.corpus.html import WebArticle
from bot.corpus.loader import coverage_files
from bot.corpus.markdown import front_matter, parse_markdown
from bot.corpus.structure import Block, BlockKind, CorpusFormatError, ParsedArticle
from bot.file_modes import replace_file

MARKER_KEY = "written_by"
MARKER = "coverage-bot"
_MARKER_LINE = f"{MARKER_KEY}: {MARKER}".encode()
WRITTEN_HASH_KEY = "written_sha256"
FETCHED_KEY = "fetched_from"
"""The front matter key of the address a page was fetched from, when its canonical url is
another: the same address read again is the same article, whatever the page now says."""
_WRITTEN_HASH_LINE = re.compile(rf"^{WRITTEN_HASH_KEY}: ([0-9a-f]{{64}})\n", re.MULTILINE)
_MARKDOWN_SUFFIXES = (".md", ".markdown")
_SLUG_CHARS = 60
_ALWAYS_ESCAPED = re.compile(r"([\\`*_\[\]])")
_ENTITY_OR_TAG = re.compile(r"(&(?=#?\w+;)|<(?=[A-Za-z/!?]))")
_BLOCK_START = re.compile(r"^(\d{1,9})([.)])|^([#>+=~|-])")


class CorpusNotWritable(ValueError):
    """A corpus that articles cannot be written into; the message says what to do."""


@dataclass(frozen=True)
class Written:
    """An article put into the corpus: where, how many passages it reads back as, and
    whether it replaced its own earlier file."""

    path: Path
    article: WebArticle
    passages: int
    updated: bool
    unchanged: bool = False
    """Its earlier file already held exactly this, so it was left as it was (and an
    index following the corpus has nothing to read again)."""
    kept: str | None = None
    """Why its earlier file was kept, and this not written, though the page now reads
    differently ("was edited since coverage-bot wrote it"); None when it was written."""


def writable_corpus(folder: Path) -> Path:
    """``folder`` if articles can be written into it (a missing one is made), else
    CorpusNotWritable: the bundled coverage is the package's, and a file is not a folder."""
    real = folder.resolve()
    bundled = BUNDLED_CORPUS.resolve()
    if real == bundled or real.is_relative_to(bundled):
        raise CorpusNotWritable(
            "articles are not added to the bundled coverage; pass --corpus FOLDER "
            "(or set COVERAGE_BOT_CORPUS) to a folder of your own"
        )
    if folder.exists() and not folder.is_dir():
        raise CorpusNotWritable(
            f"the corpus {folder} is a file; articles are written into a folder: "
            "pass --corpus FOLDER"
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise CorpusNotWritable(
            f"cannot make the corpus folder {folder}: {error.strerror}; pass --corpus FOLDER"
        ) from error
    if not os.access(folder, os.W_OK | os.X_OK):
        raise CorpusNotWritable(f"the corpus folder {folder} is not writable; pass --corpus FOLDER")
    return folder


class CorpusWriter:
    """Writes articles into one corpus folder, finding each one's earlier file by its
    url or its headline and date. The folder is read once, when the first article is
    written; files written since are remembered."""

    def __init__(self, folder: Path) -> None:
        self.folder = writable_corpus(folder)
        self._by_url: dict[str, Path] | None = None
        self._by_address: dict[str, Path] = {}
        """Files by the address their page was fetched from (their url, if none is kept)."""
        self._by_headline: dict[tuple[str, str], tuple[Path, str | None]] = {}

    def write(self, article: WebArticle) -> Written:
        """Write ``article``: over its own earlier file, or into a new one."""
        earlier = self._earlier(article)
        path = earlier if earlier is not None and _is_ours(earlier) else self._new_name(article)
        # A file keeps the address it was first fetched from: the same article reached by
        # another (its AMP page) is no change to it.
        address = _fetched_from(path) if path == earlier else article.fetched_at
        text = markdown_file(replace(article, fetched_at=address))
        parsed = _read_back(text, path.name)
        state = _state(path, text) if path == earlier else None
        if state is None or state == "as written":
            replace_file(path, text)
        self._remember(article, path)
        return Written(
            path,
            article,
            len(parsed.passages),
            updated=state == "as written",
            unchanged=state == "unchanged",
            kept=_KEPT.get(state or ""),
        )

    def has_file(self, article: WebArticle) -> bool:
        """Whether a file coverage-bot wrote for the article (found as :meth:`_known`
        finds it) is still in the corpus."""
        return self._earlier(article) is not None

    def _earlier(self, article: WebArticle) -> Path | None:
        """The file this article was written to before, if any. The folder is read the
        first time; after that, files another writer (``coverage-bot add`` while the bot
        follows feeds) may have written under this article's name are read again."""
        if self._by_url is None:
            self._by_url = {}
            for file in coverage_files(self.folder):
                if file.suffix.lower() in _MARKDOWN_SUFFIXES:
                    self._learn(file)
        found = self._known(article)
        if found is None:
            for file in sorted(self.folder.glob(f"{glob.escape(_stem(article))}*.md")):
                self._learn(file)
            found = self._known(article)
        return found

    def _known(self, article: WebArticle) -> Path | None:
        """By the address the page was fetched from, when it also names the same
        canonical url or date or holds mostly the same text (a developing story read again
        from its feed link, whatever its new headline). Else by its canonical url, when
        the page was fetched from it, or brings the same headline and date or mostly the
        same text (a site may give many pages one canonical url). Else by headline and
        date, where an earlier file at another url must also hold mostly the same text: a
        syndicated copy is the same article, the next "Letters to the editor" is not."""
        assert self._by_url is not None
        self._forget_removed(article)
        fetched = _address_key(article.fetched_at) if article.fetched_at else None
        found = self._by_address.get(fetched) if fetched else None
        if found is not None:
            meta = _our_front_matter(found) or {}
            if (
                _same_canonical(meta, article)
                or _same_date(meta, article)
                or _mostly_the_same_text(found, article)
            ):
                return found  # the same page read again (an address like /briefing/today,
                # which gives another article each day, names another canonical and date)
        found = self._by_url.get(_url_key(article.url)) if article.url else None
        if found is not None and (
            _fetched_from_its_url(article)
            or _same_headline_and_date(_our_front_matter(found) or {}, article)
            or _mostly_the_same_text(found, article)
        ):
            return found
        path, url = self._by_headline.get(
            _headline_key(article.headline, article.iso_date), (None, None)
        )
        if path is None or not (article.url and url) or _url_key(url) == _url_key(article.url):
            return path
        return path if _mostly_the_same_text(path, article) else None

    def _forget_removed(self, article: WebArticle) -> None:
        """Forget this article's earlier file if someone removed it since: it is not there
        to be written over, or to be called edited."""
        assert self._by_url is not None
        url = _url_key(article.url) if article.url else None
        if url and url in self._by_url and not self._by_url[url].exists():
            del self._by_url[url]
        fetched = _address_key(article.fetched_at) if article.fetched_at else None
        if fetched and fetched in self._by_address and not self._by_address[fetched].exists():
            del self._by_address[fetched]
        key = _headline_key(article.headline, article.iso_date)
        if key in self._by_headline and not self._by_headline[key][0].exists():
            del self._by_headline[key]

    def _learn(self, file: Path) -> None:
        """Remember a file this writer wrote before (any other is left alone)."""
        meta = _our_front_matter(file)
        if meta is None:
            return
        url, headline, date = (meta.get(key) for key in ("url", "headline", "date"))
        url = url if isinstance(url, str) and url else None
        if url and self._by_url is not None:
            self._by_url.setdefault(_url_key(url), file)
        fetched = meta.get(FETCHED_KEY)
        address = fetched if isinstance(fetched, str) and fetched else url
        if address:
            self._by_address.setdefault(_address_key(address), file)
        if isinstance(headline, str):
            self._by_headline.setdefault(_headline_key(headline, str(date or "")), (file, url))

    def _remember(self, article: WebArticle, path: Path) -> None:
        if article.url and self._by_url is not None:
            self._by_url[_url_key(article.url)] = path
        if address := article.fetched_at or article.url:
            self._by_address[_address_key(address)] = path
        key = _headline_key(article.headline, article.iso_date)
        self._by_headline[key] = (path, article.url)

    def _new_name(self, article: WebArticle) -> Path:
        """``DATE-slug-of-the-headline.md``, with ``-2``, ``-3``... when it is taken."""
        stem = _stem(article)
        path = self.folder / f"{stem}.md"
        number = 2
        while path.exists() or path.is_symlink():
            path = self.folder / f"{stem}-{number}.md"
            number += 1
        return path


def _stem(article: WebArticle) -> str:
    """The article's file name without ``.md`` (nor the ``-2`` of a name taken)."""
    return f"{article.iso_date or 'undated'}-{slug(article.headline)}"


def slug(headline: str) -> str:
    """The headline in lower-case ASCII words joined by hyphens, cut at a word; in its
    own script's words when most of its letters have no ASCII form ("Городской совет"
    was "article")."""
    ascii_text = unicodedata.normalize("NFKD", headline).encode("ascii", "ignore").decode()
    letters = sum(character.isalpha() for character in headline)
    if sum(character.isalpha() for character in ascii_text) * 2 >= letters:
        words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    else:
        words = _script_words(unicodedata.normalize("NFC", headline).lower())
    text = ""
    for word in words:
        if text and len(text) + 1 + len(word) > _SLUG_CHARS:
            break
        text = f"{text}-{word}" if text else word[:_SLUG_CHARS]
    return text or "article"


def _script_words(text: str) -> list[str]:
    """Runs of letters and digits with their combining marks: Hindi's and Thai's vowel
    signs are marks, not breaks between words."""
    words, word = [], ""
    for character in f"{text} ":
        if character.isalnum() or unicodedata.category(character).startswith("M"):
            word += character
        elif word:
            words.append(word)
            word = ""
    return words


def markdown_file(article: WebArticle) -> str:
    """The article as a Markdown file the loader reads back into the same passages."""
    meta: dict[str, str] = {"headline": article.headline}
    if article.iso_date:
        meta["date"] = article.iso_date
    fetched = article.fetched_at if article.fetched_at != article.url else None
    for key, value in (
        ("url", article.url),
        (FETCHED_KEY, fetched),
        ("source", article.source),
        ("author", article.author),
    ):
        if value:
            meta[key] = value
    meta[MARKER_KEY] = MARKER
    head = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1_000_000)
    body = "\n\n".join(_markdown_block(block) for block in article.blocks)
    unstamped = f"---\n{head}---\n\n{body}\n"
    return f"---\n{head}{WRITTEN_HASH_KEY}: {_sha256(unstamped)}\n---\n\n{body}\n"


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _markdown_block(block: Block) -> str:
    text = _escaped(block.text)
    if block.kind is BlockKind.HEADING:
        return f"{'#' * min(max(block.depth, 2), 6)} {text}"
    if block.kind is BlockKind.BULLET:
        return f"{'  ' * (max(block.depth, 1) - 1)}- {text}"
    if block.kind is BlockKind.ATTRIBUTION:
        return f"— {text}"
    return text


def _escaped(text: str) -> str:
    """Text that Markdown shows as written: emphasis, code, links, entities, tags and
    line-start markers (``#``, ``>``, ``-``, ``1.``) backslash-escaped."""
    text = _ENTITY_OR_TAG.sub(r"\\\1", _ALWAYS_ESCAPED.sub(r"\\\1", text))
    return _BLOCK_START.sub(lambda m: f"{m[1]}\\{m[2]}" if m[1] else f"\\{m[3]}", text, count=1)


def _read_back(text: str, name: str) -> ParsedArticle:
    """The article the loader will read from ``text``: what is reported is what is indexed."""
    try:
        items = parse_markdown(text, name)
    except CorpusFormatError as error:  # only a bug would get here: the text is ours
        raise CorpusNotWritable(f"the article could not be written as Markdown: {error}") from error
    return next(item for item in items if isinstance(item, ParsedArticle))


SAME_TEXT_SHARE = 0.5
"""The share of paragraphs two pages must have in common to be one article at two urls."""


def _mostly_the_same_text(path: Path, article: WebArticle) -> bool:
    try:
        earlier = _read_back(path.read_text(encoding="utf-8"), path.name)
    except (OSError, UnicodeDecodeError, CorpusNotWritable):
        return False
    old = {" ".join(p.text.split()) for p in earlier.passages}
    new = {" ".join(block.text.split()) for block in article.blocks}
    return len(old & new) >= SAME_TEXT_SHARE * max(len(old), len(new), 1)


def _fetched_from_its_url(article: WebArticle) -> bool:
    """Whether the page came from the address it names as its own, as a person would
    read the two: http or https, with "www." or not, a slash at the end or not, and
    tracking parameters (a feed's ``?utm_source=rss``) left out."""
    fetched, url = article.fetched_at, article.url
    return fetched is not None and url is not None and _loose(fetched) == _loose(url)


def _loose(url: str) -> str:
    _, _, rest = _address_key(url).partition("://")
    return rest.removeprefix("www.").rstrip("/").replace("/?", "?")


_TRACKING = re.compile(r"^(?:utm_\w+|fbclid|gclid|mc_cid|mc_eid|ocid|cmpid)$", re.IGNORECASE)
"""Query parameters that say where a reader came from, not which page they read."""


def _address_key(url: str) -> str:
    """A page's address as one page: :func:`_url_key` without tracking parameters."""
    key = _url_key(url)
    base, question, query = key.partition("?")
    if not question:
        return key
    kept = [p for p in query.split("&") if p and not _TRACKING.match(p.split("=", 1)[0])]
    return f"{base}?{'&'.join(kept)}" if kept else base.rstrip("/")


def _fetched_from(path: Path) -> str | None:
    """The address the file's page was fetched from, when it records one."""
    fetched = (_our_front_matter(path) or {}).get(FETCHED_KEY)
    return fetched if isinstance(fetched, str) and fetched else None


def _same_canonical(meta: Mapping[str, object], article: WebArticle) -> bool:
    """Whether a file (by its front matter) and the page name the same canonical url, as
    a person would read them, or either names none."""
    url = meta.get("url")
    if not isinstance(url, str) or not url or article.url is None:
        return True
    return _loose(url) == _loose(article.url)


def _same_date(meta: Mapping[str, object], article: WebArticle) -> bool:
    """Whether a file and the page give the same date (two undated ones do not)."""
    date = meta.get("date")
    return bool(article.iso_date) and str(date or "") == article.iso_date


def _same_headline_and_date(meta: Mapping[str, object], article: WebArticle) -> bool:
    """Whether a file holds an article of the same headline and date (a daily "Letters
    to the editor" is another article each day)."""
    headline, date = meta.get("headline"), meta.get("date")
    return isinstance(headline, str) and _headline_key(headline, str(date or "")) == (
        _headline_key(article.headline, article.iso_date)
    )


def _our_front_matter(file: Path) -> dict[str, object] | None:
    """The front matter of a file coverage-bot wrote, or None for anyone else's."""
    try:
        raw = file.read_bytes()
    except OSError:
        return None
    if _MARKER_LINE not in raw[:8192]:
        return None
    try:
        meta, _ = front_matter(raw.decode("utf-8"))
    except (UnicodeDecodeError, CorpusFormatError):
        return None
    return meta if meta.get(MARKER_KEY) == MARKER else None


def _is_ours(path: Path) -> bool:
    return path.is_file() and not path.is_symlink() and _our_front_matter(path) is not None


def _url_key(url: str) -> str:
    """A url as one article: without its fragment or a trailing slash, host in lower case."""
    url = url.split("#", 1)[0].rstrip("/")
    scheme, _, rest = url.partition("://")
    host, slash, path = rest.partition("/")
    return f"{scheme.lower()}://{host.lower()}{slash}{path}"


def _headline_key(headline: str, date: str) -> tuple[str, str]:
    return (" ".join(headline.casefold().split()), date)


_KEPT = {
    "edited": "was edited since coverage-bot wrote it",
    "unrecorded": "was written by an earlier coverage-bot, which kept no record to tell edits by",
}
"""What the add and feed messages say of a kept file, by its :func:`_state`."""


def _state(path: Path, text: str) -> str:
    """What coverage-bot's earlier file of an article is, against ``text``, the article
    as it would now be written: "unchanged" when it was written from the same text (the
    file is left alone, and edits made to it since stay); "as written" when it is still
    exactly what coverage-bot wrote, and may be replaced; "edited" when someone changed
    it since (or it cannot be read back), and "unrecorded" when it records no sha256 to
    tell by (files of older versions): both are kept."""
    try:
        held = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return "edited"
    stamp = _stamp(held)
    if stamp is None:
        return "unrecorded"
    new = _stamp(text)
    if new is not None and stamp[1] == new[1]:
        return "unchanged"
    as_written = held[: stamp.start()] + held[stamp.end() :]
    return "as written" if _sha256(as_written) == stamp[1] else "edited"


def _stamp(text: str) -> re.Match[str] | None:
    """The ``written_sha256`` line of a file's front matter, if it has one."""
    return _WRITTEN_HASH_LINE.search(text, 0, text.find("\n---", 3) + 1)
