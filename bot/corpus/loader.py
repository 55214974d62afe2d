"""Reading a corpus folder (or one file): every readable article loads, every bad one warns."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.corpus.jsonl import parse_jsonl_articles
from bot.corpus.markdown import parse_markdown_article
from bot.corpus.merge import merge_articles
from bot.corpus.records import Corpus
from bot.corpus.scraped_page import parse_scraped_page
from bot.corpus.structure import CorpusFormatError, ParsedArticle

_Parser = Callable[[str, str], Iterable[ParsedArticle | CorpusFormatError]]


def _markdown(text: str, source: str) -> list[ParsedArticle]:
    return [parse_markdown_article(text, source)]


PARSERS: dict[str, _Parser] = {
    ".txt": parse_scraped_page,
    ".md": _markdown,
    ".markdown": _markdown,
    ".jsonl": parse_jsonl_articles,
}


INDEX_MARKER = "COVERAGE-BOT-INDEX"
"""The file that marks a folder as an index coverage-bot wrote, whose files are not coverage."""


class CorpusNotFoundError(FileNotFoundError):
    """The corpus path names nothing that can be read."""


@dataclass(frozen=True)
class LoadWarning:
    """Something in the corpus that was skipped, and where."""

    path: Path
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class LoadedCorpus:
    corpus: Corpus
    warnings: tuple[LoadWarning, ...]


def load_corpus(path: Path) -> LoadedCorpus:
    """All articles under ``path`` (a folder, searched recursively, or a single file)."""
    if path.is_file():
        root, files = path.parent, [path]
    elif path.is_dir():
        root, files = path, coverage_files(path)
    else:
        raise CorpusNotFoundError(f"no corpus at {path}: it is neither a folder nor a file")

    warnings: list[LoadWarning] = []
    parsed: list[ParsedArticle] = []
    with _no_cycle_collection():
        for file in files:
            source = file.relative_to(root).as_posix()
            for item in _read_file(file, source):
                if isinstance(item, CorpusFormatError):
                    warnings.append(LoadWarning(file, str(item), item.line))
                else:
                    parsed.append(item)
        return LoadedCorpus(Corpus(merge_articles(parsed)), tuple(warnings))


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


def coverage_files(folder: Path) -> list[Path]:
    """The files the loader reads, in a stable order; hidden files and folders, and index
    folders (an index built inside its corpus), are passed over."""
    paths = list(folder.rglob("*"))
    indexes = {p.parent for p in paths if p.name == INDEX_MARKER}
    return sorted(
        p
        for p in paths
        if p.is_file()
        and p.suffix.lower() in PARSERS
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
        and indexes.isdisjoint(p.parents)
    )


def _read_file(file: Path, source: str) -> list[ParsedArticle | CorpusFormatError]:
    """The file's articles and errors; a file that cannot be read at all is one error."""
    parser = PARSERS.get(file.suffix.lower())
    if parser is None:
        return [CorpusFormatError(f"not a coverage file (use {', '.join(PARSERS)})")]
    try:
        text = file.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return [CorpusFormatError(f"not UTF-8 text (byte {error.start})")]
    except OSError as error:
        return [CorpusFormatError(f"cannot be read: {error.strerror}")]
    if "\x00" in text:
        return [CorpusFormatError("looks like a binary file, not text")]
    try:
        return list(parser(text, source))
    except CorpusFormatError as error:
        return [error]
    except ValueError as error:
        return [CorpusFormatError(str(error))]
