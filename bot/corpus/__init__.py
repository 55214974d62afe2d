"""Reading coverage: scraped pages, Markdown and JSON Lines into articles and passages."""

from bot.corpus.loader import CorpusNotFoundError, LoadedCorpus, LoadWarning, load_corpus
from bot.corpus.records import (
    Article,
    Corpus,
    CorpusView,
    Passage,
    PassageKind,
    PassageRef,
    headline_then,
    written_date,
)

__all__ = [
    "Article",
    "Corpus",
    "CorpusNotFoundError",
    "CorpusView",
    "LoadWarning",
    "LoadedCorpus",
    "Passage",
    "PassageKind",
    "PassageRef",
    "headline_then",
    "load_corpus",
    "written_date",
]
