"""``coverage-bot embed``: an index folder's passages embedded before the questions come,
so that a question embeds only itself; resumable, and honest when it cannot write."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import pytest
from embedders import CountingEmbedder

from bot import index_vectors, vector_store
from bot.answer import Ranking
from bot.cli import main
from bot.corpus import PassageRef
from bot.index import IndexLoadError
from bot.index_folder import VECTORS_FILE
from bot.knowledge import build_index, load_knowledge
from bot.rerank import SemanticReranker, passage_sentences
from bot.store import StoredPassages
from bot.vector_store import VectorFile, VectorFileError

BUNDLED = Path(__file__).resolve().parent.parent / "corpus"
QUESTION = "Where was Soleimani killed?"


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No developer's .env or settings leak in."""
    monkeypatch.chdir(tmp_path)
    for name in ("COVERAGE_BOT_INDEX", "COVERAGE_BOT_SEMANTIC", "COVERAGE_BOT_MODEL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def index(tmp_path: Path) -> Path:
    shutil.copytree(BUNDLED, tmp_path / "corpus")
    build_index(tmp_path / "corpus", tmp_path / "index")
    return tmp_path / "index"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def kept_keys(index: Path) -> int:
    with sqlite3.connect(index / VECTORS_FILE) as connection:
        return connection.execute("SELECT count(*) FROM vectors").fetchone()[0]


def test_after_embed_a_question_embeds_only_itself(
    index: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "embed", "--index", str(index))
    assert (code, err) == (0, "")
    assert out.startswith("embedded 26 passages (0 were already kept) into ")
    assert kept_keys(index) == 26
    embedder = CountingEmbedder()  # a restarted bot: nothing in memory
    knowledge = load_knowledge(index, index, Ranking(SemanticReranker(embedder)))
    answer = knowledge.answerer.answer(QUESTION)
    assert embedder.embedded == [QUESTION]
    assert answer.best is not None and "Baghdad" in answer.best.ref.passage.body


def test_a_second_run_embeds_nothing_again(index: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "embed", "--index", str(index))[0] == 0
    code, out, _ = run(capsys, "embed", "--index", str(index))
    assert code == 0
    assert out.startswith("embedded 0 passages (26 were already kept) into ")


def test_an_interrupted_run_keeps_what_it_embedded_and_the_next_goes_on(
    index: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(index_vectors, "CHUNK", 10)
    fill = SemanticReranker.fill
    calls = []

    def interrupted(self: SemanticReranker, refs: Sequence[PassageRef], stored: VectorFile) -> int:
        calls.append(len(refs))
        if len(calls) == 2:
            raise KeyboardInterrupt  # Ctrl-C while the second chunk is embedded
        return fill(self, refs, stored)

    monkeypatch.setattr(SemanticReranker, "fill", interrupted)
    code, out, err = run(capsys, "embed", "--index", str(index))
    assert (code, out) == (130, "")
    assert err == (
        "embedding: 10 of 26 passages done\n"  # not a terminal: a line a tenth of the way
        "coverage-bot: stopped; 10 passages embedded so far are kept (10 of 26 done): "
        "run embed again to go on\n"
    )
    assert kept_keys(index) == 10
    monkeypatch.setattr(SemanticReranker, "fill", fill)
    code, out, _ = run(capsys, "embed", "--index", str(index))
    assert code == 0
    assert out.startswith("embedded 16 passages (10 were already kept) into ")


def test_a_vector_file_that_cannot_be_written_is_one_line(
    index: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (index / VECTORS_FILE).mkdir()  # not a file SQLite can open
    code, out, err = run(capsys, "embed", "--index", str(index))
    assert (code, out) == (1, "")
    assert err.startswith(f"coverage-bot: cannot keep vectors in {index / VECTORS_FILE}: ")
    assert err.count("\n") == 1 and "Traceback" not in err


def test_embed_needs_an_index_folder_and_the_semantic_stage(
    index: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = run(capsys, "embed")
    assert code == 2
    assert err == (
        "coverage-bot: embed keeps the vectors in an index folder: pass --index INDEX_DIR "
        "(one `coverage-bot index` made) or set COVERAGE_BOT_INDEX\n"
    )
    monkeypatch.setenv("COVERAGE_BOT_SEMANTIC", "false")
    code, _, err = run(capsys, "embed", "--index", str(index))
    assert code == 2
    assert "the semantic stage is off (COVERAGE_BOT_SEMANTIC=false)" in err
    assert not (index / VECTORS_FILE).exists()


def test_filling_a_vector_file_leaves_memory_to_the_questions(index: Path) -> None:
    embedder = CountingEmbedder()
    reranker = SemanticReranker(embedder)
    knowledge = load_knowledge(index, index)
    refs = list(knowledge.corpus.passages)[:3]
    stored = VectorFile(index / VECTORS_FILE, reranker.dimension, strict=True)
    assert reranker.fill(refs, stored) == 3
    assert reranker.fill(refs, stored) == 0  # kept in the file: not embedded again
    embedded = len(embedder.embedded)
    reranker.passage_similarities(reranker.question_vector("Who?"), refs)  # memory only
    sentences = sum(len(passage_sentences(ref)) for ref in refs)
    assert len(embedder.embedded) == embedded + 1 + sentences  # filled into the file alone


def test_a_strict_vector_file_raises_where_a_cache_would_warn(tmp_path: Path) -> None:
    (tmp_path / "vectors").mkdir()
    stored = VectorFile(tmp_path / "vectors", 384, strict=True)
    with pytest.raises(VectorFileError, match="cannot keep vectors in"):
        stored.get([b"key"])
    assert VectorFile(tmp_path / "vectors", 384).get([b"key"]) == {}  # the cache: a miss


def test_a_passage_that_cannot_be_read_is_counted_and_the_rest_embedded(
    index: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    read = StoredPassages.__getitem__

    def damaged_at_three(self: StoredPassages, number: int) -> PassageRef:
        if number == 3:  # its article file changed on disk since the index was loaded
            raise IndexLoadError("the index at X is damaged: article 1 cannot be read")
        return read(self, number)

    monkeypatch.setattr(StoredPassages, "__getitem__", damaged_at_three)
    code, out, err = run(capsys, "embed", "--index", str(index))
    assert code == 0
    assert err == (
        "warning: 1 passage could not be read, so not embedded; the first: the index at X "
        "is damaged: article 1 cannot be read\n"
    )
    assert out.startswith("embedded 25 passages (0 were already kept) into ")
    assert kept_keys(index) == 25


def test_vectors_in_a_folder_that_may_only_be_read_still_serve(
    index: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(capsys, "embed", "--index", str(index))[0] == 0

    def read_only(self: VectorFile) -> None:  # as SQLite fails on a read-only mount
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(VectorFile, "_open", read_only)
    monkeypatch.setattr(vector_store, "_writable", lambda path: False)
    embedder = CountingEmbedder()  # the bot's service user, nothing in memory
    knowledge = load_knowledge(index, index, Ranking(SemanticReranker(embedder)))
    answer = knowledge.answerer.answer(QUESTION)
    assert embedder.embedded == [QUESTION]  # the administrator's vectors were read
    assert answer.best is not None and "Baghdad" in answer.best.ref.passage.body
    with sqlite3.connect(index / VECTORS_FILE) as connection:  # some passages not kept
        connection.execute("DELETE FROM vectors WHERE rowid % 2 = 0")
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # as embed leaves it, closed
    connection.close()
    before = (index / VECTORS_FILE).read_bytes()
    embedder = CountingEmbedder()  # another start, the file now lacking some passages
    knowledge = load_knowledge(index, index, Ranking(SemanticReranker(embedder)))
    knowledge.answerer.answer("How many missiles did Iran launch?")  # ten candidates
    assert len(embedder.embedded) > 1  # those the file lacks were embedded...
    assert (index / VECTORS_FILE).read_bytes() == before  # ...and not written
