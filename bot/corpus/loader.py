"""Reading a corpus folder (or one file): every readable article loads, every bad one warns."""

from __future__ import annotations

import errno
import gc
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from bot.corpus.decoding import decode
from bot.corpus.html import parse_html
from bot.corpus.jsonl import parse_jsonl_articles
from bot.corpus.markdown import parse_markdown
from bot.corpus.merge import merge_with_sources
from bot.corpus.records import Corpus
from bot.corpus.scraped_page import parse_scraped_page
from bot.corpus.structure import CorpusFormatError, FormatNote, ParsedArticle

_Item = ParsedArticle | CorpusFormatError | FormatNote
_Parser = Callable[[str, str], Iterable[_Item]]

PARSERS: dict[str, _Parser] = {
    ".txt": parse_scraped_page,
    ".md": parse_markdown,
    ".markdown": parse_markdown,
    ".jsonl": parse_jsonl_articles,
    ".html": parse_html,
    ".htm": parse_html,
}


INDEX_MARKER = "COVERAGE-BOT-INDEX"
"""The file that marks a folder as an index coverage-bot wrote, whose files are not coverage."""


class CorpusNotFoundError(FileNotFoundError):
    """The corpus path names nothing that can be read, or a folder too broad to be
    coverage (the whole file system, the home folder)."""


@dataclass(frozen=True)
class LoadWarning:
    """Something in the corpus that was skipped (or, when not ``skipped``, read anyway
    despite a fault), and where."""

    path: Path
    message: str
    line: int | None = None
    skipped: bool = True

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class LoadedCorpus:
    corpus: Corpus
    warnings: tuple[LoadWarning, ...]
    sources: dict[str, list[str]] = field(default_factory=dict)
    """The ids of the articles each file (relative to the corpus) contributed to."""


def load_corpus(path: Path) -> LoadedCorpus:
    """All articles under ``path`` (a folder, searched recursively, or a single file)."""
    warnings: list[LoadWarning] = []
    if path.is_file():
        root, files = path.parent, [path]
    elif path.is_dir():
        root, files = path, coverage_files(path, warnings)
    else:
        raise CorpusNotFoundError(f"no corpus at {path}: it is neither a folder nor a file")

    with _no_cycle_collection():
        articles, sources = merge_with_sources(parse_files(root, files, warnings))
        return LoadedCorpus(Corpus(articles), tuple(warnings), sources)


def parse_files(
    root: Path, files: Iterable[Path], warnings: list[LoadWarning]
) -> list[ParsedArticle]:
    """The articles of ``files`` (under ``root``) as parsed, before merging; what could
    not be read is added to ``warnings``."""
    parsed: list[ParsedArticle] = []
    for file in files:
        source = file.relative_to(root).as_posix()
        faults: list[LoadWarning] = []
        for item in _read_file(file, source):
            if isinstance(item, CorpusFormatError):
                faults.append(LoadWarning(file, str(item), item.line))
            elif isinstance(item, FormatNote):
                faults.append(LoadWarning(file, item.message, item.line, skipped=False))
            else:
                parsed.append(replace(item, file=source))
        warnings += sorted(faults, key=lambda fault: fault.line or 0)
    return parsed


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector paused while a corpus loads. Loading makes millions of
    objects that live on, and no cycles; the collector would walk them all again and
    again as they pile up (a quarter of the load time of a million passages)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def coverage_files(folder: Path, warnings: list[LoadWarning] | None = None) -> list[Path]:
    """The files the loader reads, in a stable order; hidden files and folders, and index
    folders (an index built inside its corpus), are passed over. Links that lead out of
    ``folder``, and faults met on the way, are added to ``warnings``."""
    _refuse_too_broad(folder)
    files = _files_under(folder, [] if warnings is None else warnings)  # hidden ones skipped
    return sorted(p for p in files if p.suffix.lower() in PARSERS)


def _refuse_too_broad(folder: Path) -> None:
    """CorpusNotFoundError for the root of the file system or the home folder itself: a
    mistyped path that would walk every file on the disk (thousands of warnings, minutes)
    and could make anything there answerable."""
    real = folder.resolve()
    for broad, what in (
        (Path(real.anchor), "the root of the file system"),
        (Path.home(), "your home folder"),
    ):
        if real == broad.resolve():
            raise CorpusNotFoundError(
                f"refusing to read {folder} as coverage: it is {what}; point at the folder "
                "that holds the coverage"
            )


def _files_under(root: Path, warnings: list[LoadWarning]) -> list[Path]:
    """The regular files under ``root``, each once, none reached through a link that
    leads out of it.

    A link out of the corpus would make whatever it points at (``/etc/passwd``)
    answerable to anyone who can ask, so it is not followed. A link to a file inside is
    read once, under the file's own name when the walk meets that too; a link to a
    folder inside is not followed, since the walk reads that folder where it is.
    """
    top = root.resolve()
    files: dict[Path, Path] = {}  # real path -> the name it is read under
    folders = [(root, top)]  # a stack, not recursion: folders may nest thousands deep
    while folders:
        folder, real_folder = folders.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError as error:
            warnings.append(LoadWarning(folder, f"folder cannot be read: {error.strerror}"))
            continue
        if any(entry.name == INDEX_MARKER for entry in entries):
            continue  # an index folder coverage-bot wrote: its articles are not coverage
        subfolders = []
        for entry in entries:
            path = Path(entry.path)
            if entry.name.startswith("."):
                continue
            if not _utf8(entry.name):
                if path.suffix.lower() in PARSERS or entry.is_dir():
                    shown = Path(os.fsencode(path).decode("utf-8", "replace"))
                    warnings.append(LoadWarning(shown, "its name is not valid UTF-8 (rename it)"))
                continue
            if entry.is_symlink():
                target = _link_target(path, top, real_folder, warnings)
                if target is not None:
                    files.setdefault(target, path)
            elif entry.is_dir(follow_symlinks=False):
                subfolders.append((path, real_folder / entry.name))
            elif entry.is_file(follow_symlinks=False):
                files[real_folder / entry.name] = path  # its own name wins over a link's
        folders += reversed(subfolders)  # so that they are walked in order of name
    return list(files.values())


def _utf8(name: str) -> bool:
    """Whether a file name read from the disk is text (a name in Latin-1 comes as
    surrogates, which no record, message or hash of ours could hold)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _link_target(
    link: Path, top: Path, real_folder: Path, warnings: list[LoadWarning]
) -> Path | None:
    """The real path of a link to a regular file inside the corpus; anything else is
    passed over, with a warning when it could have been coverage."""
    named_as_coverage = link.suffix.lower() in PARSERS
    try:
        mode = os.stat(link).st_mode
    except OSError as error:
        if named_as_coverage or not link.suffix:  # without a suffix it may be a folder
            why = {
                errno.ENOENT: "broken link: what it points to is not there",
                errno.ELOOP: "link loop: it leads back to itself",
            }.get(error.errno, f"link cannot be followed: {error.strerror}")
            warnings.append(LoadWarning(link, why))
        return None
    target = Path(os.path.realpath(link))
    is_folder = stat.S_ISDIR(mode)
    if not target.is_relative_to(top):
        if is_folder or named_as_coverage:
            warnings.append(LoadWarning(link, "not followed: the link leads out of the corpus"))
        return None
    if is_folder and real_folder.is_relative_to(target):
        warnings.append(LoadWarning(link, "link loop: it leads back to a folder it is in"))
    return target if stat.S_ISREG(mode) else None


def _read_file(file: Path, source: str) -> list[_Item]:
    """The file's articles, errors and notes; a file that cannot be read at all is one error."""
    parser = PARSERS.get(file.suffix.lower())
    if parser is None:
        return [CorpusFormatError(f"not a coverage file (use {', '.join(PARSERS)})")]
    try:
        raw = file.read_bytes()
    except OSError as error:
        return [CorpusFormatError(f"cannot be read: {error.strerror}")]
    try:
        text, faults = decode(raw, by_line=parser is parse_jsonl_articles)
        if not text.replace("\ufeff", "").strip():  # nothing, or byte-order marks and spacing
            return [CorpusFormatError("the file is empty")]
        return [*faults, *parser(text, source)]
    except CorpusFormatError as error:
        return [error]
    except ValueError as error:
        return [CorpusFormatError(str(error))]
