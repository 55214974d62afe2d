"""SQuAD-format question sets as coverage: measuring on text and questions nobody here wrote.

A SQuAD file (Rajpurkar et al., 2016) is Wikipedia articles whose paragraphs carry
crowd-written questions and the answer spans. Some articles become the corpus (title as
headline, each paragraph a passage); the rest are left out, so that their questions
have no answer in the corpus and the right reply to them is a decline.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from bot.corpus import Article, Corpus, Passage
from bot.file_modes import read_file
from bot.json_input import read_json

LEFT_OUT_EVERY = 6
"""Every sixth article (the sixth, twelfth, ...) is left out of the corpus by default."""


@dataclass(frozen=True)
class SquadQuestion:
    """A question on one paragraph of one article, with the answer spans it accepts."""

    question: str
    article: str
    paragraph: int
    answers: tuple[str, ...]


@dataclass(frozen=True)
class SquadSet:
    """The corpus built from the kept articles, and the questions on kept and left-out ones."""

    corpus: Corpus
    answerable: tuple[SquadQuestion, ...]
    left_out: tuple[SquadQuestion, ...]
    left_out_titles: tuple[str, ...]


class SquadFormatError(ValueError):
    """A file that is not in SQuAD's JSON format."""


def load_squad(path: Path, left_out_every: int = LEFT_OUT_EVERY) -> SquadSet:
    """The SQuAD file at ``path`` split into a corpus and questions (see the module doc)."""
    try:
        data = read_json(read_file(path).decode("utf-8"))["data"]
        articles, answerable, left_out, titles = [], [], [], []
        for position, entry in enumerate(data, 1):
            title = _text(entry["title"]).replace("_", " ")
            questions = [
                SquadQuestion(
                    _text(qa["question"]),
                    title,
                    number,
                    tuple(_text(a["text"]) for a in qa["answers"]),
                )
                for number, paragraph in enumerate(entry["paragraphs"])
                for qa in paragraph["qas"]
            ]
            if left_out_every and position % left_out_every == 0:
                left_out.extend(questions)
                titles.append(title)
                continue
            answerable.extend(questions)
            passages = tuple(Passage(_one_line(_text(p["context"]))) for p in entry["paragraphs"])
            articles.append(Article(id=title, headline=title, passages=passages, source=path.name))
    except (KeyError, TypeError, ValueError, UnicodeDecodeError) as error:
        raise SquadFormatError(f"{path} is not a SQuAD v1.1 file ({error})") from error
    return SquadSet(Corpus(tuple(articles)), tuple(answerable), tuple(left_out), tuple(titles))


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, found {json.dumps(value)[:40]}")
    return value


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
