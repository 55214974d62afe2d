"""A damaged index folder is refused at load, in one line naming the folder and the file;
an article that turns out unreadable while answering fails that question only."""

from __future__ import annotations

import io
import json
import math
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from bot.answer import Hit
from bot.cli import main
from bot.index import IndexLoadError
from bot.index_folder import ARRAY_DTYPES, STATE_DTYPES, current_generation
from bot.integrity import write_checksums
from bot.knowledge import build_index, load_knowledge
from bot.store import load_index
from bot.terminal import hit_json

BUNDLED_CORPUS = Path(__file__).resolve().parent.parent / "corpus"
MISSILES = "How many missiles did Iran launch?"
MIMIC = "Which Iranian official mimicked a Trump tweet?"
SEGMENT = "segments/segment-000000"


def at(name: str) -> str:
    """Where a file is in a generation: the segment's files in the segment's folder."""
    return name if name in STATE_DTYPES or name == "manifest.json" else f"{SEGMENT}/{name}"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("built")
    shutil.copytree(BUNDLED_CORPUS, root / "corpus")
    build_index(root / "corpus", root / "index")
    return root / "index"


@pytest.fixture
def index(built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh copy of a good index folder (its corpus is the module's copy)."""
    monkeypatch.chdir(tmp_path)
    for name in ("COVERAGE_BOT_CORPUS", "COVERAGE_BOT_INDEX", "COVERAGE_BOT_TOP"):
        monkeypatch.delenv(name, raising=False)
    shutil.copytree(built, tmp_path / "index")
    return tmp_path / "index"


def assert_refused(index: Path, file: str, why: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Loading fails with one line naming the folder and the file, and the CLI exits 1
    with that line on stderr and nothing else."""
    with pytest.raises(IndexLoadError) as refusal:
        load_index(index)
    message = str(refusal.value)
    generation = current_generation(index).name
    assert message.startswith(f"the index at {index} is damaged: {generation}/{file}: ")
    assert why in message
    assert "; rebuild it with: coverage-bot index " in message
    assert message.endswith(f" --out {index}")
    assert "\n" not in message
    code = main(["ask", MISSILES, "--index", str(index)])
    out, err = capsys.readouterr()
    assert (code, out, err.count("\n")) == (1, "", 1)
    # The command line names the configured corpus where the manifest no longer says.
    damage = message.split("; rebuild it with: ")[0]
    assert err.startswith(f"coverage-bot: {damage}; rebuild it with: coverage-bot index ")
    assert err.endswith(f" --out {index}\n")


def flip_last_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x01
    path.write_bytes(bytes(data))


def edit_manifest(index: Path, **fields: object) -> None:
    manifest = json.loads((current_generation(index) / "manifest.json").read_text())
    (current_generation(index) / "manifest.json").write_text(json.dumps({**manifest, **fields}))


def rewrite_array(index: Path, name: str, change: Callable[[np.ndarray], np.ndarray]) -> None:
    """Change an array and record its checksum again, as a faulty build would have: only
    the bounds checks can catch it."""
    path = current_generation(index) / at(name)
    np.save(path, change(np.load(path)))
    write_checksums(current_generation(index))


def test_a_good_index_loads_and_answers(index: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["ask", MISSILES, "--index", str(index), "--json"])
    assert code == 0
    assert "more than a dozen" in json.loads(capsys.readouterr().out)["answer"]["passage"]


@pytest.mark.parametrize("name", sorted(ARRAY_DTYPES))
def test_an_array_truncated_to_nothing_is_refused(
    index: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (current_generation(index) / at(name)).write_bytes(b"")
    assert_refused(index, at(name), "it is empty", capsys)


@pytest.mark.parametrize("name", ["postings_docs.npy", "indptr.npy"])
def test_a_missing_segment_file_is_named_by_its_place_in_the_segment(
    index: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (current_generation(index) / at(name)).unlink()
    assert_refused(index, at(name), "No such file or directory", capsys)


@pytest.mark.parametrize("name", ["postings_docs.npy", "postings_tf.npy", "indptr.npy"])
def test_a_flipped_byte_is_refused(
    index: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    flip_last_byte(current_generation(index) / at(name))
    assert_refused(index, at(name), "checksum does not match", capsys)


def test_a_bad_articles_line_is_refused(index: Path, capsys: pytest.CaptureFixture[str]) -> None:
    articles = current_generation(index) / SEGMENT / "articles.jsonl"
    articles.write_text(
        articles.read_text(encoding="utf-8").replace('"id"', '"ix"', 1), encoding="utf-8"
    )
    assert_refused(index, f"{SEGMENT}/articles.jsonl", "checksum does not match", capsys)


def test_a_manifest_that_is_a_list_is_refused(
    index: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (current_generation(index) / "manifest.json").write_text("[1, 2, 3]")
    assert_refused(index, "manifest.json", "it is not a JSON object", capsys)


def test_a_corpus_path_at_the_root_is_refused_without_walking_it(
    index: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit_manifest(index, corpus_path="/")
    assert_refused(index, "manifest.json", "corpus_path '/' is the root of the file system", capsys)


@pytest.mark.parametrize(
    ("fields", "why"),
    [
        ({"documents": "26"}, 'documents is "26", not a whole number from 0'),
        ({"postings": -1}, "postings is -1, not a whole number from 0"),
        ({"articles": True}, "articles is true, not a whole number from 0"),
        ({"parameters": [1.5, 0.75]}, "parameters is [1.5, 0.75], not a JSON object"),
        ({"parameters": {"k1": 1.5, "b": 2, "epsilon": 0.25}}, "out of BM25's range"),
        ({"parameters": {"k1": "x", "b": 0.75, "epsilon": 0.25}}, "k1, b and epsilon as numbers"),
        ({"corpus_path": 7}, "corpus_path is 7, not a string"),
        ({"corpus_path": "corpus"}, "corpus_path 'corpus' is not an absolute path"),
        ({"dates": [1, 2]}, "dates are not null or two ISO dates"),
        ({"checksums": None}, "checksums is null, not a JSON object"),
        ({"checksums": {}}, "it records no checksum for deleted_passages.npy"),
        ({"segments": [{"name": "../../elsewhere"}]}, "segments are not a list of named"),
    ],
)
def test_a_manifest_field_of_the_wrong_type_is_refused(
    index: Path, fields: dict[str, object], why: str, capsys: pytest.CaptureFixture[str]
) -> None:
    edit_manifest(index, **fields)
    assert_refused(index, "manifest.json", why, capsys)


def _set(at: int, value: float) -> Callable[[np.ndarray], np.ndarray]:
    def change(array: np.ndarray) -> np.ndarray:
        array[at] = value
        return array

    return change


@pytest.mark.parametrize(
    ("name", "change", "why"),
    [
        ("postings_tf.npy", _set(3, 0), "a value is outside 1"),
        ("passage_lengths.npy", _set(0, -1), "a value is outside 0"),
        ("deleted_passages.npy", lambda a: np.array([26]), "a value is outside 0 to 25"),
        ("df_histogram.npy", lambda a: a[:-1], "it is not pairs of numbers"),
        ("postings_docs.npy", _set(5, 26), "a value is outside 0 to 25"),
        ("postings_docs.npy", _set(0, -1), "a value is outside 0 to 25"),
        ("postings_docs.npy", lambda a: a.astype(np.int64), "not a column of int32"),
        ("postings_docs.npy", lambda a: a[:-1], "values where 520 are expected"),
        ("indptr.npy", _set(0, 1), "do not run in order from 0 to the end of"),
        ("indptr.npy", _set(5, 10**6), "do not run in order from 0 to the end of"),
        ("indptr.npy", _set(-1, 663), "do not run in order from 0 to the end of"),
        ("vocabulary_offsets.npy", _set(-1, 10**6), "to the end of the vocabulary"),
        ("vocabulary_prefixes.npy", lambda a: a[::-1].copy(), "the vocabulary is not sorted"),
        ("passage_article.npy", _set(2, 4), "a value is outside 0 to 3"),
        ("passage_position.npy", _set(2, -3), "a value is outside 0"),
        ("article_offsets.npy", _set(-1, 10**9), "to the end of articles.jsonl"),
        ("article_offsets.npy", _set(2, 1), "to the end of articles.jsonl"),
        ("article_dates.npy", lambda a: a[:-1], "does not hold 4 articles"),
        ("article_dates.npy", lambda a: a.reshape(2, 2), "of shape (2, 2)"),
    ],
)
def test_arrays_out_of_bounds_are_refused_even_with_matching_checksums(
    index: Path,
    name: str,
    change: Callable[[np.ndarray], np.ndarray],
    why: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    rewrite_array(index, name, change)
    assert_refused(index, at(name), why, capsys)


def test_headlines_that_do_not_match_the_articles_are_refused(
    index: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (current_generation(index) / SEGMENT / "headlines.json").write_text(
        '[["only-one", "Only one"]]'
    )
    write_checksums(current_generation(index))
    assert_refused(
        index, f"{SEGMENT}/headlines.json", "the headlines do not match the articles", capsys
    )


def break_mimic_article(index: Path) -> None:
    """Damage the line of the article that answers MIMIC (same length) and record the
    checksums again: the damage is only found when the article is read."""
    articles = current_generation(index) / SEGMENT / "articles.jsonl"
    lines = articles.read_bytes().split(b"\n")
    mimic = next(n for n, line in enumerate(lines) if b'"Top Iranian official' in line)
    lines[mimic] = b"[" + lines[mimic][1:]
    articles.write_bytes(b"\n".join(lines))
    write_checksums(current_generation(index))


def test_an_unreadable_article_fails_its_question_and_not_the_next(index: Path) -> None:
    break_mimic_article(index)
    answerer = load_knowledge(index, index).answerer
    with pytest.raises(IndexLoadError) as refusal:
        answerer.answer(MIMIC)
    message = str(refusal.value)
    generation = current_generation(index).name
    assert message.startswith(
        f"the index at {index} is damaged: {generation}/{SEGMENT}/articles.jsonl: article 0 "
    )
    assert "\n" not in message
    assert answerer.answer(MISSILES).best is not None
    with pytest.raises(IndexLoadError):  # still refused: a failed read is not cached
        answerer.answer(MIMIC)


def test_ask_with_an_unreadable_article_says_so_in_one_line(
    index: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    break_mimic_article(index)
    code = main(["ask", MIMIC, "--index", str(index)])
    out, err = capsys.readouterr()
    assert (code, out) == (1, "")
    generation = current_generation(index).name
    assert err.startswith(
        f"coverage-bot: the index at {index} is damaged: {generation}/{SEGMENT}/articles.jsonl: "
    )
    assert err.count("\n") == 1 and "Traceback" not in err
    code = main(["ask", MIMIC, "--index", str(index), "--json"])
    record = json.loads(capsys.readouterr().out)
    assert code == 1
    assert record["answer"] is None and "articles.jsonl: article 0" in record["error"]


def test_chat_with_an_unreadable_article_goes_on_to_the_next_question(
    index: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    break_mimic_article(index)
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{MIMIC}\n{MISSILES}\n"))
    code = main(["chat", "--index", str(index)])
    out, err = capsys.readouterr()
    assert code == 0 and err == ""
    assert "articles.jsonl: article 0 cannot be read" in " ".join(out.split())
    assert "more than a dozen ballistic missiles" in out


def test_a_score_that_is_not_finite_is_null_in_json(index: Path) -> None:
    ref = load_knowledge(index, index).corpus.passages[0]
    for score in (math.inf, -math.inf, math.nan):
        assert json.loads(json.dumps(hit_json(Hit(ref, score)), allow_nan=False))["score"] is None
    assert hit_json(Hit(ref, 1.23456789))["score"] == 1.234568


def test_a_folder_in_place_of_current_is_named_and_nothing_is_cleared(
    index: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    generation = current_generation(index).name
    (index / "CURRENT").unlink()
    (index / "CURRENT").mkdir()
    assert main(["ask", MISSILES, "--index", str(index)]) == 1
    assert "is damaged (its CURRENT is a folder, to be moved away first)" in capsys.readouterr().err
    assert main(["index", str(BUNDLED_CORPUS), "--out", str(index)]) == 1
    assert capsys.readouterr().err == (
        f"coverage-bot: the index at {index} is damaged: its CURRENT is a folder, not a "
        "file; move that folder away, then build again\n"
    )
    assert (index / generation).is_dir()  # the old generation is not cleared away
