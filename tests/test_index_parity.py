"""The fast index gives rank-bm25's BM25Okapi scores and top 10, on a generated corpus."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from bot.index import BM25Index

PASSAGES, QUERIES, VOCABULARY = 10_000, 300, 5_000


@pytest.fixture(scope="module")
def corpus() -> tuple[list[list[str]], list[list[str]]]:
    """Zipfian passages of 30-80 terms, and queries of 2-8 mostly mid-frequency terms."""
    rng = np.random.default_rng(2020)
    ranks = np.arange(1, VOCABULARY + 1)
    zipf = (1 / ranks) / (1 / ranks).sum()
    words = [f"t{n}" for n in range(VOCABULARY)]
    passages = [
        [words[i] for i in rng.choice(VOCABULARY, size=rng.integers(30, 81), p=zipf)]
        for _ in range(PASSAGES)
    ]
    queries = []
    for _ in range(QUERIES):
        picks = rng.integers(20, 2000, size=rng.integers(2, 9)).tolist()
        if rng.random() < 0.2:
            picks.append(picks[0])  # a repeated term counts twice
        query = [words[i] for i in picks]
        if rng.random() < 0.1:
            query.append("unseen-term")  # an unknown term adds nothing
        if rng.random() < 0.1:
            query.append(words[0])  # the commonest term: its idf is floored by epsilon
        queries.append(query)
    return passages, queries


def reference_top(scores: np.ndarray, shares_a_term: np.ndarray, k: int) -> list[int]:
    """rank-bm25's ranking with our documented tie-break: score down, passage number up."""
    candidates = np.flatnonzero(shares_a_term)
    order = np.lexsort((candidates, -scores[candidates]))
    return candidates[order][:k].tolist()


def test_scores_and_top_10_equal_rank_bm25(
    corpus: tuple[list[list[str]], list[list[str]]], tmp_path: Path
) -> None:
    passages, queries = corpus
    reference = BM25Okapi(passages)
    BM25Index.build(passages).write(tmp_path)
    index = BM25Index.read(tmp_path)  # the memory-mapped form the bot uses
    term_sets = [set(p) for p in passages]
    for query in queries:
        expected = reference.get_scores(query)
        shares = np.array([not terms.isdisjoint(query) for terms in term_sets])
        found = index.search(query, k=PASSAGES)
        assert sorted(hit.number for hit in found) == np.flatnonzero(shares).tolist()
        got = np.array([hit.score for hit in found])
        want = expected[[hit.number for hit in found]]
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=0)  # measured: bit-identical
        top = [hit.number for hit in index.search(query, k=10)]
        assert top == reference_top(expected, shares, 10)


def test_idf_floor_matches_rank_bm25_for_terms_in_most_passages() -> None:
    passages = [["common", "a"], ["common", "b"], ["common", "c"], ["rare", "common"]]
    reference = BM25Okapi(passages)
    [hit] = [h for h in BM25Index.build(passages).search(["common", "a"], k=1)]
    assert hit.score == reference.get_scores(["common", "a"])[0]
