"""Passage vectors kept in an index folder between runs: a restart embeds only the
question, a damaged or unwritable file is a warning and never a failed answer."""

from __future__ import annotations

import logging
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from embedders import CountingEmbedder

from bot import vector_store
from bot.answer import Ranking
from bot.index_folder import VECTORS_FILE
from bot.knowledge import build_index, load_knowledge
from bot.rerank import SemanticReranker

BUNDLED = Path(__file__).resolve().parent.parent / "corpus"
QUESTION = "Where was Soleimani killed?"


@pytest.fixture
def index(tmp_path: Path) -> Path:
    shutil.copytree(BUNDLED, tmp_path / "corpus")
    build_index(tmp_path / "corpus", tmp_path / "index")
    return tmp_path / "index"


def answer_in_a_fresh_process(index: Path) -> tuple[CountingEmbedder, str]:
    """A new embedder and reranker, as a restarted bot or a one-off ``ask`` has."""
    embedder = CountingEmbedder()
    knowledge = load_knowledge(index, index, Ranking(SemanticReranker(embedder)))
    answer = knowledge.answerer.answer(QUESTION)
    assert answer.best is not None
    return embedder, answer.best.ref.passage.body


def test_a_restart_reads_passage_vectors_from_the_index_folder(index: Path) -> None:
    first, passage = answer_in_a_fresh_process(index)
    assert len(first.embedded) > 1  # the question and the candidates' sentences
    assert (index / VECTORS_FILE).is_file()
    second, again = answer_in_a_fresh_process(index)
    assert second.embedded == [QUESTION]  # only the question: every passage came from disk
    assert again == passage
    assert "Baghdad" in passage


def test_a_damaged_vector_file_is_one_warning_and_the_answer_still_comes(
    index: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (index / VECTORS_FILE).write_bytes(b"this is not a database" * 100)
    with caplog.at_level(logging.WARNING):
        _, passage = answer_in_a_fresh_process(index)
    assert "Baghdad" in passage
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert warnings[0].startswith(f"vector cache {index / VECTORS_FILE} not used: ")


@pytest.mark.parametrize(
    "damage",
    [
        "UPDATE vectors SET data = NULL",
        "UPDATE vectors SET data = 'text'",
        "UPDATE vectors SET data = X'00'",  # one byte: no float16 at all
        "UPDATE vectors SET rows = 'many'",
        "UPDATE vectors SET rows = 1000",
    ],
)
def test_damaged_rows_are_embedded_again_and_written_over(index: Path, damage: str) -> None:
    first, passage = answer_in_a_fresh_process(index)
    with sqlite3.connect(index / VECTORS_FILE) as vectors:
        vectors.execute(damage)
    again, same = answer_in_a_fresh_process(index)
    assert same == passage
    assert sorted(again.embedded) == sorted(first.embedded)  # every row missed
    third, _ = answer_in_a_fresh_process(index)
    assert third.embedded == [QUESTION]  # and each was written over


def test_a_rebuild_keeps_the_vectors_and_accepts_the_folder(index: Path) -> None:
    answer_in_a_fresh_process(index)
    build_index(index.parent / "corpus", index)
    assert (index / VECTORS_FILE).is_file()
    embedder, _ = answer_in_a_fresh_process(index)
    assert embedder.embedded == [QUESTION]


def test_another_model_never_reads_these_vectors(index: Path) -> None:
    answer_in_a_fresh_process(index)
    embedder = CountingEmbedder()
    embedder.identity = "another model"
    knowledge = load_knowledge(index, index, Ranking(SemanticReranker(embedder)))
    knowledge.answerer.answer(QUESTION)
    assert len(embedder.embedded) > 1


def test_a_busy_file_is_a_miss_for_one_question_not_for_the_rest_of_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vector_store, "_BUSY_SECONDS", 0.05)
    path = tmp_path / VECTORS_FILE
    stored = vector_store.VectorFile(path, 2)
    stored.put([(b"a", np.ones((1, 2)))])
    other = sqlite3.connect(path, isolation_level=None)  # embed, writing a chunk
    other.execute("BEGIN IMMEDIATE")
    stored.put([(b"b", np.ones((1, 2)))])  # waits 0.05 s, then gives up: a miss
    other.execute("COMMIT")
    other.close()
    stored.put([(b"c", np.ones((1, 2)))])  # the file is still used
    assert set(stored.get([b"a", b"b", b"c"])) == {b"a", b"c"}


def test_a_file_that_stops_taking_writes_still_serves_what_it_holds(tmp_path: Path) -> None:
    stored = vector_store.VectorFile(tmp_path / VECTORS_FILE, 2)
    stored.put([(b"a", np.ones((1, 2)))])
    assert stored._connection is not None
    stored._connection.execute("PRAGMA query_only = 1")  # as a read-only remount refuses
    stored.put([(b"b", np.ones((1, 2)))])  # refused: not kept, and no error
    assert set(stored.get([b"a", b"b"])) == {b"a"}  # what it holds still serves
    stored.put([(b"c", np.ones((1, 2)))])
    assert set(stored.get([b"a", b"c"])) == {b"a"}


def test_a_file_read_as_it_is_on_disk_sees_what_a_writer_added_since(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / VECTORS_FILE
    writer = vector_store.VectorFile(path, 2)  # embed, run by whoever owns the folder
    writer.put([(b"a", np.ones((1, 2)))])
    writer.close()

    def cannot_write(self: vector_store.VectorFile) -> None:
        raise sqlite3.OperationalError("unable to open database file")

    def no_wal_index(self: vector_store.VectorFile) -> None:  # a folder it may only read
        self._immutable = True

    monkeypatch.setattr(vector_store.VectorFile, "_open", cannot_write)
    monkeypatch.setattr(vector_store.VectorFile, "_open_read_only", no_wal_index)
    monkeypatch.setattr(vector_store, "_writable", lambda path: False)
    reader = vector_store.VectorFile(path, 2)  # the bot's service user
    assert set(reader.get([b"a", b"b"])) == {b"a"}
    with sqlite3.connect(path) as again:  # embed runs again, and finishes
        again.execute("INSERT INTO vectors VALUES (?, 1, ?)", (b"b", np.ones(2, np.float16)))
    again.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    again.close()
    assert set(reader.get([b"a", b"b"])) == {b"a", b"b"}  # read afresh, not a stale copy
    reader.put([(b"c", np.ones((1, 2)))])  # nothing kept by a reader
    assert set(reader.get([b"c"])) == set()
