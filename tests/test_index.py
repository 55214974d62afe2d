"""The BM25 index: rank-bm25's BM25Okapi scores, reproducible order, written and read."""

from __future__ import annotations

from pathlib import Path

import pytest
from rank_bm25 import BM25Okapi

from bot.index import BM25Index, IndexLoadError

DOCUMENTS = [
    ["iran", "missil", "launch"],
    ["trump", "tweet", "well"],
    ["iran", "missil", "base", "iraq", "iraq"],
    ["pelosi", "note", "pray"],
    ["trump", "tweet", "well"],
]


def test_scores_are_rank_bm25s_bm25okapi() -> None:
    reference = BM25Okapi(DOCUMENTS).get_scores(["missil", "iraq"])
    found = BM25Index.build(DOCUMENTS).search(["missil", "iraq"], k=5)
    assert [(hit.number, hit.score) for hit in found] == [
        (2, pytest.approx(reference[2], rel=1e-12)),
        (0, pytest.approx(reference[0], rel=1e-12)),
    ]


def test_only_passages_sharing_a_term_are_returned() -> None:
    assert BM25Index.build(DOCUMENTS).search(["nowhere"], k=5) == []
    assert [h.number for h in BM25Index.build(DOCUMENTS).search(["pelosi"], k=5)] == [3]


def test_equal_scores_come_in_passage_order() -> None:
    assert [h.number for h in BM25Index.build(DOCUMENTS).search(["tweet"], k=5)] == [1, 4]


def test_empty_index_answers_nothing() -> None:
    index = BM25Index.build([])
    assert (index.size, index.search(["iran"], k=3)) == (0, [])


def test_a_written_index_answers_as_the_one_in_memory(tmp_path: Path) -> None:
    index = BM25Index.build(DOCUMENTS)
    folder = tmp_path / "written"
    folder.mkdir()
    index.write(folder)
    loaded = BM25Index.read(folder)  # memory-mapped, as the bot reads it
    assert loaded.search(["iran", "tweet"], 5) == index.search(["iran", "tweet"], 5)


def test_index_built_by_another_analyzer_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "written"
    folder.mkdir()
    BM25Index.build(DOCUMENTS).write(folder, analyzer="other")
    with pytest.raises(IndexLoadError, match="with analyzer other, but this version reads"):
        BM25Index.read(folder)


def test_a_truncated_array_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "written"
    folder.mkdir()
    BM25Index.build(DOCUMENTS).write(folder)
    postings = folder / "segments" / "segment-000000" / "postings_docs.npy"
    postings.write_bytes(postings.read_bytes()[:-4])
    with pytest.raises(
        IndexLoadError, match=r"segment-000000/postings_docs\.npy: not a readable array"
    ):
        BM25Index.read(folder)
