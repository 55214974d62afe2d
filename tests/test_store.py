"""The persisted index folder: same answers as in memory, and refusals instead of wrong ones."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import pytest

from bot import store
from bot.answer import passage_terms
from bot.cli import main
from bot.corpus import Article, Corpus, Passage
from bot.index import BM25Index, IndexLoadError
from bot.index_folder import current_generation
from bot.index_writer import index_corpus, write_index
from bot.knowledge import Knowledge, build_index, load_knowledge, rebuild_knowledge
from bot.store import load_index
from bot.summary import STORY_ARTICLES, TOPIC_PASSAGES, summarize_story, summarize_topic

BUNDLED_CORPUS = Path(__file__).resolve().parent.parent / "corpus"
QUESTIONS = Path(__file__).parent / "data" / "questions.jsonl"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    copy = tmp_path / "corpus"
    shutil.copytree(BUNDLED_CORPUS, copy)
    return copy


@pytest.fixture
def index(corpus: Path, tmp_path: Path) -> Path:
    build_index(corpus, tmp_path / "index")
    return tmp_path / "index"


def test_answers_from_the_index_equal_answers_from_memory(
    corpus: Path, index: Path, knowledge: Knowledge
) -> None:
    stored = load_knowledge(corpus, index)
    for line in QUESTIONS.read_text().splitlines():
        question = json.loads(line)["question"]
        expected = knowledge.answerer.answer(question, results=5)
        got = stored.answerer.answer(question, results=5)
        assert [(h.ref.id, h.score) for h in got.results] == [
            (h.ref.id, h.score) for h in expected.results
        ]
        assert got.sentence == expected.sentence
        assert (got.best is None) == (expected.best is None)


def test_stored_articles_read_back_whole(corpus: Path, index: Path, knowledge: Knowledge) -> None:
    stored = load_knowledge(corpus, index).corpus
    assert list(stored.articles) == list(knowledge.corpus.articles)
    assert stored.date_range == knowledge.corpus.date_range
    assert [a.id for a in stored.find_articles("trump respond")] == [
        "trump-responds-to-missile-strikes-iran-db349c"
    ]


def test_index_of_a_changed_corpus_is_brought_up_to_date_at_load(corpus: Path, index: Path) -> None:
    (corpus / "more.md").write_text("---\nheadline: More\ndate: 2020-01-09\n---\nMore text.\n")
    knowledge = load_knowledge(corpus, index)
    assert len(knowledge.corpus.articles) == 5 and knowledge.outdated is None
    assert knowledge.update is not None and knowledge.update.files_read == ("more.md",)


def test_index_of_a_changed_corpus_that_cannot_be_updated_answers_and_says_how_to_rebuild_it(
    corpus: Path, index: Path
) -> None:
    for file in corpus.iterdir():  # an update would leave nothing to answer from
        file.unlink()
    knowledge = load_knowledge(corpus, index)
    assert len(knowledge.corpus.articles) == 4
    assert knowledge.outdated == (
        f"the index at {index} is older than its corpus at {corpus} (files were added, "
        f"removed or changed since it was built); rebuild it with: coverage-bot index "
        f"{corpus} --out {index}"
    )


def test_damaged_index_is_refused(corpus: Path, index: Path) -> None:
    (current_generation(index) / "segments" / "segment-000000" / "postings_tf.npy").unlink()
    with pytest.raises(IndexLoadError, match="damaged"):
        load_knowledge(corpus, index)


def test_index_of_another_analyzer_is_refused(corpus: Path, index: Path) -> None:
    path = current_generation(index) / "manifest.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), "analyzer": "other-v0"}))
    with pytest.raises(IndexLoadError, match=r"analyzer other-v0.*rebuild"):
        load_knowledge(corpus, index)


def test_a_failed_build_leaves_the_old_index_whole(
    corpus: Path, index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = sorted(p.name for p in index.iterdir())

    def crash(*_: object, **__: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(BM25Index, "write", crash)
    with pytest.raises(RuntimeError, match="disk full"):
        build_index(corpus, index)
    assert sorted(p.name for p in index.iterdir()) == before
    assert [p.name for p in index.parent.iterdir() if p.name.startswith(".")] == []
    monkeypatch.undo()
    assert load_knowledge(corpus, index).corpus.passages[0].article.id


def test_index_command_then_ask_with_index(
    corpus: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["index", str(corpus), "--out", str(tmp_path / "built")]) == 0
    assert "index written to" in capsys.readouterr().out
    code = main(
        [
            "--corpus",
            str(corpus),
            "ask",
            "What did the FAA do?",
            "--json",
            "--index",
            str(tmp_path / "built"),
        ]
    )
    answer = json.loads(capsys.readouterr().out)["answer"]
    assert code == 0
    assert answer["passage"].startswith("The reaction: The Federal Aviation Administration")


def test_ask_with_a_missing_index_says_how_to_build_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["ask", "Who?", "--index", str(tmp_path / "nothing")]) == 1
    assert "there is no index at" in capsys.readouterr().err


def test_indexing_in_worker_processes_gives_the_same_index(tmp_path: Path) -> None:
    words = ["missiles", "bases", "Iran", "strikes", "Trump", "sanctions", "casualties"]
    passages = tuple(
        Passage(f"Paragraph {n} on {words[n % 7]} and {words[n % 5]}, {n % 97}.")
        for n in range(9_000)
    )
    corpus = Corpus((Article("a", "Headline", passages),))
    seen: list[tuple[int, int]] = []
    one, two, whole = (tmp_path / name for name in ("1", "2", "whole"))
    for workers, folder in ((1, one), (2, two)):
        folder.mkdir()
        index_corpus(corpus, workers, lambda done, total: seen.append((done, total))).write(folder)
    # Chunked, in one process or two, the index is the one built in a single pass.
    whole.mkdir()
    BM25Index.build(passage_terms(ref) for ref in corpus.passages).write(whole)
    arrays = sorted(p.relative_to(whole) for p in whole.rglob("*.npy"))
    assert len(arrays) == 9
    for array in arrays:
        assert (
            (one / array).read_bytes() == (two / array).read_bytes() == (whole / array).read_bytes()
        )
    assert sum(done for done, _ in seen) == 2 * 9_000 and {total for _, total in seen} == {9_000}


def test_index_knows_its_own_corpus_whatever_corpus_is_configured(
    corpus: Path, index: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "other-corpus"
    elsewhere.mkdir()
    knowledge = load_knowledge(elsewhere, index)
    assert len(knowledge.corpus.articles) == 4
    (corpus / "more.md").write_text("---\nheadline: More\ndate: 2020-01-09\n---\nMore text.\n")
    assert len(load_knowledge(elsewhere, index).corpus.articles) == 5  # updated from its own
    assert len(rebuild_knowledge(elsewhere, index).corpus.articles) == 5


def test_newest_articles_are_the_same_in_memory_and_from_an_index(tmp_path: Path) -> None:
    days = [dt.date(2020, 1, d) if d else None for d in (8, None, 9, 8, 7)]
    corpus = Corpus(
        tuple(
            Article(f"a{n}", f"Headline {n}", (Passage(f"Text {n}."),), date=day)
            for n, day in enumerate(days)
        )
    )
    write_index(corpus, tmp_path / "index", tmp_path / "gone", fingerprint="")
    _, stored = load_index(tmp_path / "index")
    for view in (corpus, stored):
        assert view.newest_articles(1) == [2]
        assert view.newest_articles(2) == [0, 2]  # of two on the 8th, the first in the corpus
        assert view.newest_articles(4) == [0, 2, 3, 4]
        assert view.newest_articles(9) == [0, 1, 2, 3, 4]  # the undated one last


def test_summaries_from_a_large_index_read_only_the_articles_they_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "archive.jsonl"
    count = 3 * STORY_ARTICLES
    first_day = dt.date(2019, 1, 1)
    with archive.open("w", encoding="utf-8") as lines:
        for n in range(count):
            record = {
                "headline": f"Council meeting number {n}",
                "date": (first_day + dt.timedelta(days=n)).isoformat(),
                "paragraphs": [
                    f"The council of Townsend met for session {n} and voted on the harbour budget.",
                    f"Members spoke about roads, schools and the ferry timetable for item {n}.",
                ],
            }
            lines.write(json.dumps(record) + "\n")
    build_index(archive, tmp_path / "index")
    knowledge = load_knowledge(archive, tmp_path / "index")
    read: list[str] = []
    article_from_line = store._article_from_line
    monkeypatch.setattr(
        store, "_article_from_line", lambda line: read.append(line) or article_from_line(line)
    )

    story = summarize_story(knowledge.corpus)
    assert len(read) <= STORY_ARTICLES
    oldest_used = first_day + dt.timedelta(days=count - STORY_ARTICLES)
    assert all(s.article.date and s.article.date >= oldest_used for s in story.sentences)

    read.clear()
    topic = summarize_topic(knowledge.answerer, "harbour budget")
    assert topic.sentences and all("harbour budget" in s.text for s in topic.sentences)
    assert len(read) <= TOPIC_PASSAGES


def test_an_index_folder_says_when_it_was_written_not_when_it_was_loaded(
    corpus: Path, tmp_path: Path
) -> None:
    build_index(corpus, tmp_path / "index")
    written = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    manifest = current_generation(tmp_path / "index") / "manifest.json"
    os.utime(manifest, (written.timestamp(), written.timestamp()))
    knowledge = load_knowledge(tmp_path / "index", tmp_path / "index")
    assert knowledge.built_at == written  # what /about shows as "Index built"
