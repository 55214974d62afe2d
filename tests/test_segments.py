"""An index folder updated in place, segment by segment: scores stay rank-bm25's over the
current corpus, only changed files are read, ids stay put, and a kill at any step leaves
a whole index answering."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from bot import updates
from bot.analysis import analyze
from bot.answer import passage_terms
from bot.cli import main
from bot.corpus import loader
from bot.index import BM25Index, IndexLoadError
from bot.index_folder import current_generation
from bot.knowledge import build_index, load_knowledge
from bot.store import StoredCorpus, load_index
from bot.updates import NothingLeftError, merge_segments, update_index

ROOT = Path(__file__).resolve().parent.parent
SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
RNG = np.random.default_rng(11)
WORDS = sorted({"".join(RNG.choice(SYLLABLES, size=3)) for _ in range(600)})
QUERIES = [" ".join(RNG.choice(WORDS[: 40 + 10 * n], size=2 + n % 5)) for n in range(40)] + [
    f"{WORDS[0]} {WORDS[0]} {WORDS[3]}",
    "nothing-like-it",
    WORDS[1],
]


def paragraph(rng: np.random.Generator) -> str:
    """A Zipf-ish paragraph: common words often, so some idf falls below zero."""
    picks = np.minimum(rng.zipf(1.4, size=rng.integers(8, 30)) - 1, len(WORDS) - 1)
    return " ".join(WORDS[i] for i in picks).capitalize() + "."


def write_file(
    corpus: Path, name: str, seed: int, articles: int = 3, url: bool = False, source: str = ""
) -> None:
    """A JSON Lines file of ``articles`` articles of four to six paragraphs (from the
    publication ``source``, when given)."""
    rng = np.random.default_rng(seed)
    lines = []
    for n in range(articles):
        record = {
            "headline": f"Report {seed} number {n}: {' '.join(rng.choice(WORDS, size=3))}",
            "date": f"2020-01-{1 + (seed + n) % 28:02d}",
            "paragraphs": [paragraph(rng) for _ in range(rng.integers(4, 7))],
        }
        if url:
            record["url"] = f"https://news.example/{seed}/{n}"
        if source:
            record["source"] = source
        lines.append(json.dumps(record))
    (corpus / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for n in range(6):
        write_file(folder, f"file-{n}.jsonl", seed=n, url=n % 2 == 0)
    return folder


def assert_rank_bm25_parity(index: BM25Index, stored: StoredCorpus) -> None:
    """Every query's scores are BM25Okapi's over the live passages (1e-9), the same
    passages are found, and the top 10 is the same, equal scores by passage number."""
    documents = [passage_terms(ref) for ref in stored.passages]
    assert index.size == len(documents)
    reference = BM25Okapi(documents)
    for query in QUERIES:
        terms = analyze(query)
        expected = reference.get_scores(terms)
        shares = np.flatnonzero([not set(d).isdisjoint(terms) for d in documents])
        found = index.search(terms, k=len(documents))
        assert sorted(h.number for h in found) == shares.tolist()
        got = np.array([h.score for h in found])
        np.testing.assert_allclose(got, expected[[h.number for h in found]], rtol=1e-9, atol=0)
        top = shares[np.lexsort((shares, -expected[shares]))][:10].tolist()
        assert [h.number for h in index.search(terms, 10)] == top


def ranking(index: BM25Index, stored: StoredCorpus, query: str) -> list[tuple[str, float]]:
    """Every passage found, as (passage id, score), best first; equal scores by id, since
    an update numbers new passages after the old ones where a rebuild reads files in order."""
    found = [(stored.passages[h.number].id, h.score) for h in index.search(analyze(query), 10**6)]
    return sorted(found, key=lambda hit: (-round(hit[1], 9), hit[0]))


def assert_same_as_a_rebuild(index_folder: Path, corpus: Path, tmp_path: Path) -> None:
    """A full rebuild of the same corpus finds the same passages with the same scores."""
    rebuilt = tmp_path / f"rebuilt-{len(list(tmp_path.iterdir()))}"
    build_index(corpus, rebuilt)
    (index, stored), (whole, whole_stored) = load_index(index_folder), load_index(rebuilt)
    assert sorted(stored.ids()) == sorted(whole_stored.ids())
    for query in QUERIES:
        mine, theirs = ranking(index, stored, query), ranking(whole, whole_stored, query)
        assert [p for p, _ in mine] == [p for p, _ in theirs]
        np.testing.assert_allclose([s for _, s in mine], [s for _, s in theirs], rtol=1e-9)


def test_adds_edits_and_deletes_keep_rank_bm25_scores_and_a_rebuilds_ranking(
    corpus: Path, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    build_index(corpus, index)
    assert_rank_bm25_parity(*load_index(index))

    write_file(corpus, "file-6.jsonl", seed=6)
    write_file(corpus, "file-7.jsonl", seed=7, articles=5, url=True)
    added = update_index(index)
    assert (added.files_read, added.added, added.segments) == (
        ("file-6.jsonl", "file-7.jsonl"),
        8,
        2,
    )
    assert_rank_bm25_parity(*load_index(index))
    assert_same_as_a_rebuild(index, corpus, tmp_path)

    write_file(corpus, "file-2.jsonl", seed=102)  # the same file, other articles
    write_file(corpus, "file-3.jsonl", seed=3, articles=2)  # one article fewer
    edited = update_index(index)
    assert edited.files_read == ("file-2.jsonl", "file-3.jsonl")
    assert (edited.added, edited.updated, edited.removed) == (3, 2, 4)
    assert_rank_bm25_parity(*load_index(index))

    (corpus / "file-0.jsonl").unlink()
    deleted = update_index(index)
    assert (deleted.files_read, deleted.removed, deleted.segments) == ((), 3, 3)
    assert_rank_bm25_parity(*load_index(index))
    assert_same_as_a_rebuild(index, corpus, tmp_path)


def test_files_that_name_their_publication_are_edited_and_deleted_alike(
    tmp_path: Path,
) -> None:
    """A file's articles are found by the file they came from, not by their ``source``
    (the publication, which every file of a newsroom shares)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for n in range(4):
        write_file(corpus, f"file-{n}.jsonl", seed=n, url=n == 1, source="Valley Courier")
    index = tmp_path / "index"
    build_index(corpus, index)
    write_file(corpus, "file-1.jsonl", seed=101, url=True, source="Valley Courier")
    (corpus / "file-2.jsonl").unlink()
    report = update_index(index)
    assert (report.files_read, report.removed) == (("file-1.jsonl",), 6)
    assert len(load_index(index)[1].articles) == 9
    assert_rank_bm25_parity(*load_index(index))
    assert_same_as_a_rebuild(index, corpus, tmp_path)


def test_merging_segments_gives_the_same_scores_in_one_segment(
    corpus: Path, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    build_index(corpus, index)
    write_file(corpus, "file-6.jsonl", seed=6)
    update_index(index)
    write_file(corpus, "file-1.jsonl", seed=101)
    (corpus / "file-4.jsonl").unlink()
    update_index(index)
    before_index, before = load_index(index)
    rankings = {q: ranking(before_index, before, q) for q in QUERIES}
    assert merge_segments(index) is True
    after_index, after = load_index(index)
    assert (len(after_index.segments), len(after_index.deleted)) == (1, 0)
    assert after.ids() == before.ids()
    for query, expected in rankings.items():
        got = ranking(after_index, after, query)
        assert [p for p, _ in got] == [p for p, _ in expected]
        np.testing.assert_allclose([s for _, s in got], [s for _, s in expected], rtol=1e-9)
    assert_rank_bm25_parity(after_index, after)
    assert merge_segments(index) is False  # one segment, nothing deleted: nothing to fold


def test_an_update_that_leaves_too_many_segments_merges_them(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(updates, "MAX_SEGMENTS", 2)
    index = tmp_path / "index"
    build_index(corpus, index)
    reports = []
    for n in (6, 7):
        write_file(corpus, f"file-{n}.jsonl", seed=n)
        reports.append(update_index(index))
    assert [(r.segments, r.merged) for r in reports] == [(2, False), (1, True)]
    assert len(load_index(index)[0].segments) == 1
    assert_rank_bm25_parity(*load_index(index))


def test_ids_stay_the_same_as_articles_are_added_and_match_a_rebuild(
    corpus: Path, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    build_index(corpus, index)
    before = load_index(index)[1].ids()
    write_file(corpus, "file-00.jsonl", seed=50)  # sorts first: a rebuild reads it first
    update_index(index)
    after = load_index(index)[1].ids()
    assert after[: len(before)] == before and len(after) == len(before) + 3
    build_index(corpus, tmp_path / "rebuilt")
    assert sorted(load_index(tmp_path / "rebuilt")[1].ids()) == sorted(after)


def test_start_up_reads_only_the_files_that_changed(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = tmp_path / "index"
    build_index(corpus, index)
    write_file(corpus, "file-6.jsonl", seed=6)
    os.utime(corpus / "file-1.jsonl", ns=(1, 1))  # touched, not changed: hashed, not parsed
    read: list[str] = []
    real = loader._read_file
    monkeypatch.setattr(loader, "_read_file", lambda f, s: read.append(s) or real(f, s))
    knowledge = load_knowledge(corpus, index)
    assert read == ["file-6.jsonl"]
    assert knowledge.outdated is None and len(knowledge.corpus.articles) == 21
    assert knowledge.update is not None and knowledge.update.files_read == ("file-6.jsonl",)
    answer = knowledge.answerer.answer(
        json.loads((corpus / "file-6.jsonl").read_text().split("\n")[0])["paragraphs"][0]
    )
    assert answer.best is not None and answer.best.ref.article.source == "file-6.jsonl"
    read.clear()
    assert load_knowledge(corpus, index).update is None  # up to date: nothing read at all
    assert read == []


def test_a_file_edited_rereads_the_files_its_articles_merged_with(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    teaser = {"headline": "Dam holds", "date": "2020-01-02", "paragraphs": ["Short lede."]}
    full = {**teaser, "paragraphs": ["Short lede.", "The dam held through the night."]}
    (corpus / "a-teaser.jsonl").write_text(json.dumps(teaser) + "\n")
    (corpus / "b-full.jsonl").write_text(json.dumps(full) + "\n")
    index = tmp_path / "index"
    build_index(corpus, index)
    full["paragraphs"].append("Engineers inspected the spillway at dawn.")
    (corpus / "b-full.jsonl").write_text(json.dumps(full) + "\n")
    report = update_index(index)
    assert report.files_read == ("a-teaser.jsonl", "b-full.jsonl")
    (bm25, stored) = load_index(index)
    [article] = list(stored.articles)
    assert len(article.passages) == 3 and (report.updated, report.added) == (1, 0)
    assert_rank_bm25_parity(bm25, stored)


@pytest.mark.parametrize("unrelated", [True, False])
def test_text_first_seen_in_a_deleted_file_comes_back_from_the_file_that_repeats_it(
    tmp_path: Path, unrelated: bool
) -> None:
    """An article whose text all repeats another's is not listed; once that other file is
    deleted, an update shows it as a rebuild does (it had stayed out of the index, and
    with no other file the update had been refused)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    said = ["The council voted 5-2 on Tuesday to approve the budget."]
    for name, headline in (("a.jsonl", "Council approves budget"), ("b.jsonl", "Park plan vetoed")):
        record = {"headline": headline, "date": "2024-03-05", "paragraphs": said}
        (corpus / name).write_text(json.dumps(record) + "\n")
    if unrelated:
        record = {"headline": "Library hours", "date": "2024-05-01", "paragraphs": ["Open late."]}
        (corpus / "c.jsonl").write_text(json.dumps(record) + "\n")
    index = tmp_path / "index"
    build_index(corpus, index)
    (corpus / "a.jsonl").unlink()
    report = update_index(index)
    assert report.files_read == ("b.jsonl",)
    assert "Park plan vetoed" in [a.headline for a in load_index(index)[1].articles]
    assert_same_as_a_rebuild(index, corpus, tmp_path)


@pytest.mark.parametrize("change", ["delete", "edit"])
def test_a_file_read_again_brings_every_article_whose_text_it_repeats(
    tmp_path: Path, change: str
) -> None:
    """c repeats b's text and a's: a change to b reads c, and so a (an update had
    deleted a's article, never to read it again)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    water = "The water authority raised rates by 12 percent for every household."
    stadium = "The stadium deal was signed on Monday after months of talks."
    for name, headline, said in (
        ("a.jsonl", "Water rates rise", [water, "Customers will see it in May."]),
        ("b.jsonl", "Stadium deal signed", [stadium]),
        ("c.jsonl", "Week in review", [stadium, water, "Also the library reopened."]),
    ):
        record = {"headline": headline, "date": "2024-03-05", "paragraphs": said}
        (corpus / name).write_text(json.dumps(record) + "\n")
    index = tmp_path / "index"
    build_index(corpus, index)
    if change == "delete":
        (corpus / "b.jsonl").unlink()
    else:
        record = {"headline": "Stadium deal signed", "date": "2024-03-05", "paragraphs": ["New."]}
        (corpus / "b.jsonl").write_text(json.dumps(record) + "\n")
    update_index(index)
    articles = {a.headline: [p.text for p in a.passages] for a in load_index(index)[1].articles}
    assert articles["Water rates rise"] == [water, "Customers will see it in May."]
    assert_same_as_a_rebuild(index, corpus, tmp_path)


def test_segments_of_the_last_generation_are_shared_not_rewritten(
    corpus: Path, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    build_index(corpus, index)
    (index / "notes.txt").write_text("mine\n")
    postings = "segments/segment-000000/postings_docs.npy"
    inode = (current_generation(index) / postings).stat().st_ino
    write_file(corpus, "file-6.jsonl", seed=6)
    update_index(index)
    assert (current_generation(index) / postings).stat().st_ino == inode
    assert (index / "notes.txt").read_text() == "mine\n"
    assert len([p for p in index.iterdir() if p.name.startswith("generation-")]) == 1


def test_an_update_that_would_leave_no_text_keeps_the_old_index(
    corpus: Path, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    build_index(corpus, index)
    for file in corpus.iterdir():
        file.unlink()
    with pytest.raises(NothingLeftError, match="has no articles with text"):
        update_index(index)
    assert len(load_index(index)[1].articles) == 18


def test_an_index_of_the_previous_format_is_refused_with_the_rebuild_command(
    corpus: Path, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    build_index(corpus, index)
    manifest = current_generation(index) / "manifest.json"
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "format": 5}))
    write_file(corpus, "file-6.jsonl", seed=6)
    with pytest.raises(IndexLoadError) as refused:
        load_knowledge(corpus, index)
    message = str(refused.value)
    assert message.startswith(f"the index at {index} was built by format 5 with analyzer ")
    assert message.endswith(f"rebuild it with: coverage-bot index {corpus} --out {index}")
    assert "\n" not in message


KILL_DURING_UPDATE = """
import os, signal, sys
from pathlib import Path
from bot import index_folder
step, real = sys.argv[1], index_folder._make_current
def kill(*_):
    os.kill(os.getpid(), signal.SIGKILL)
def make_current(folder, generation):
    if step == "written":
        kill()
    if step == "renaming":
        os.replace = kill
    real(folder, generation)
    kill()
index_folder._make_current = make_current
from bot.updates import update_index
update_index(Path(sys.argv[2]))
"""


@pytest.mark.parametrize(("step", "articles"), [("written", 18), ("renaming", 18), ("swapped", 21)])
def test_an_update_killed_at_any_step_leaves_a_whole_index_answering(
    corpus: Path, tmp_path: Path, step: str, articles: int
) -> None:
    index = tmp_path / "index"
    build_index(corpus, index)
    write_file(corpus, "file-6.jsonl", seed=6)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-c", KILL_DURING_UPDATE, step, str(index)]
    killed = subprocess.run(command, env=env, timeout=120, check=False, capture_output=True)
    assert killed.returncode == -9, killed.stderr
    bm25, stored = load_index(index)  # as the kill left it
    assert len(stored.articles) == articles
    assert_rank_bm25_parity(bm25, stored)
    write_file(corpus, "file-7.jsonl", seed=7)
    knowledge = load_knowledge(corpus, index)  # the next start brings it up to date, and tidies
    assert len(knowledge.corpus.articles) == 24 and knowledge.outdated is None
    assert len([p for p in index.iterdir() if p.name.startswith("generation-")]) == 1
    assert not (index / "CURRENT.new").exists()


def test_a_bad_file_added_to_the_corpus_is_warned_about_and_the_rest_is_added(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    index = tmp_path / "index"
    build_index(corpus, index)
    (corpus / "broken.jsonl").write_text("{broken\n")
    write_file(corpus, "file-6.jsonl", seed=6)
    assert main(["articles", "--index", str(index), "--json"]) == 0
    out, err = capsys.readouterr()
    assert len(json.loads(out)) == 21
    assert err.startswith(f"warning: skipped {corpus / 'broken.jsonl'}:1: not valid JSON")
    assert err.count("\n") == 1
