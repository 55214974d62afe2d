"""A large corpus of real prose, for timing answers on an archive of ordinary text.

bench_retrieval.py's synthetic corpus is made of pseudo-words: each one is three or four
word pieces to the models, so every paragraph fills the semantic stage's 128-token cap
and is one long sentence. That is the worst case for embedding, not what a newsroom's
archive costs. This writes paragraphs of real English sentences instead: the sentences
of SQuAD part A's 913 Wikipedia paragraphs (tests/data/squad, CC BY-SA 4.0, Rajpurkar et
al. 2016; see its README), drawn at random, two or three a paragraph (about 60 words,
none repeated), ten paragraphs an article under a headline made of the article's
title. The text repeats (4,676 sentences make a million paragraphs), so a
benchmark on it must not let one question's embeddings serve the next: bench_answers.py
empties the sentence cache before each question it times "nothing cached".

    python benchmarks/prose_corpus.py /tmp/prose1m/corpus.jsonl   # 1,000,000 paragraphs
    coverage-bot index /tmp/prose1m/corpus.jsonl --out /tmp/prose1m/index
    python benchmarks/bench_answers.py --index /tmp/prose1m/index
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from bot.sentences import split_sentences

ROOT = Path(__file__).resolve().parent.parent
SQUAD = ROOT / "tests/data/squad/squad-v1.1-dev-part-a.json"
PARAGRAPHS_PER_ARTICLE = 10


def squad_sentences(path: Path = SQUAD) -> dict[str, list[str]]:
    """Each SQuAD article's title and the sentences of its paragraphs."""
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    return {
        article["title"].replace("_", " "): [
            sentence
            for paragraph in article["paragraphs"]
            for sentence in split_sentences(paragraph["context"])
        ]
        for article in data
    }


def write_prose_corpus(path: Path, paragraphs: int, seed: int = 3) -> None:
    """``paragraphs`` paragraphs of SQuAD sentences as JSON Lines articles; each article
    draws from one SQuAD article, so an article stays on one subject."""
    rng = random.Random(seed)
    sources = sorted(squad_sentences().items())
    written: set[str] = set()  # a corpus keeps one copy of a repeated paragraph
    with path.open("w", encoding="utf-8") as out:
        for number, start in enumerate(range(0, paragraphs, PARAGRAPHS_PER_ARTICLE)):
            title, sentences = sources[rng.randrange(len(sources))]
            body: list[str] = []
            while len(body) < min(PARAGRAPHS_PER_ARTICLE, paragraphs - start):
                paragraph = " ".join(rng.sample(sentences, rng.randint(2, 3)))
                if paragraph not in written:
                    written.add(paragraph)
                    body.append(paragraph)
            record = {"headline": f"{title}, part {number}", "date": "2020-01-08"}
            out.write(json.dumps({**record, "paragraphs": body}) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="the JSON Lines file to write (not replaced)")
    parser.add_argument("--paragraphs", type=int, default=1_000_000)
    args = parser.parse_args()
    if args.out.exists():
        parser.error(f"{args.out} exists; give a new file")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_prose_corpus(args.out, args.paragraphs)
    print(f"wrote {args.paragraphs:,} paragraphs to {args.out}")


if __name__ == "__main__":
    main()
