"""The BM25 index: rank-bm25's BM25Okapi scores, reproducible order, save and load."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rank_bm25 import BM25Okapi

from bot.index import BM25Index, IndexLoadError
from bot.index_folder import current_generation

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


def test_save_and_load_give_the_same_results(tmp_path: Path) -> None:
    index = BM25Index.build(DOCUMENTS)
    index.save(tmp_path / "index")
    loaded = BM25Index.load(tmp_path / "index")
    assert loaded.search(["iran", "tweet"], 5) == index.search(["iran", "tweet"], 5)
    assert [p.name for p in tmp_path.iterdir()] == ["index"]


def test_index_built_by_another_analyzer_is_refused(tmp_path: Path) -> None:
    BM25Index.build(DOCUMENTS).save(tmp_path / "index")
    manifest = current_generation(tmp_path / "index") / "manifest.json"
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "analyzer": "other"}))
    with pytest.raises(IndexLoadError, match="rebuild"):
        BM25Index.load(tmp_path / "index")


def test_damaged_index_is_refused(tmp_path: Path) -> None:
    BM25Index.build(DOCUMENTS).save(tmp_path / "index")
    postings = current_generation(tmp_path / "index") / "postings_docs.npy"
    postings.write_bytes(postings.read_bytes()[:-4])
    with pytest.raises(IndexLoadError, match="rebuild it with: coverage-bot index"):
        BM25Index.load(tmp_path / "index")


def test_missing_index_is_refused(tmp_path: Path) -> None:
    with pytest.raises(IndexLoadError, match="there is no index at"):
        BM25Index.load(tmp_path / "nothing")
