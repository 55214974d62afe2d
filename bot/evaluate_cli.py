"""``coverage-bot evaluate``: retrieval figures on a question set or a SQuAD file, ROUGE
of the summaries, and the decline threshold that suits a corpus (kept in its index
folder with ``--save``).

Imported only when ``evaluate`` runs, so that ``ask`` never loads what scoring needs.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from bot.answer import BM25_ONLY, Answerer, Ranking
from bot.cli import EXIT_OK, EXIT_USAGE, CommandError
from bot.config import Settings
from bot.corpus import CorpusView
from bot.evaluation import (
    MAX_ANSWERABLE_DECLINED,
    Calibration,
    EvaluationInputError,
    answerable_count,
    calibrate,
    case_judges,
    evaluate,
    evaluate_squad,
    load_cases,
    load_references,
    report_lines,
    rouge_lines,
    squad_judges,
    squad_lines,
    summary_rouge,
    unmatched_passages,
)
from bot.knowledge import Knowledge
from bot.saved_threshold import (
    CALIBRATION_FILE,
    MIN_CALIBRATION_QUESTIONS,
    CalibrationFileError,
    check_savable,
    save_threshold,
    saved_threshold,
)
from bot.squad import SquadFormatError, load_squad
from bot.store import indexed_corpus
from bot.summary import SummaryError
from bot.terminal import plain

THRESHOLD_SETTING = "COVERAGE_BOT_DECLINE_THRESHOLD"


def run_evaluate(
    args: argparse.Namespace,
    settings: Settings,
    ranking: Ranking,
    index: Path | None,
    load: Callable[[], Knowledge],
) -> int:
    """The figures ``args`` ask for; ``load`` gives the knowledge of the corpus or index
    (not loaded when only a SQuAD file, its own corpus, is evaluated)."""
    _check_save(args, index, settings)
    if args.squad is not None:
        _evaluate_squad(args.squad, args.left_out_every, ranking, args.calibrate)
        if args.questions is None and args.summaries is None:
            return EXIT_OK
    knowledge = load()
    if knowledge.calibration is not None and index is not None:
        print(
            f"declining below {knowledge.calibration.describe()}, as kept in "
            f"{plain(str(index / CALIBRATION_FILE))}"
        )
    return _evaluate(knowledge.answerer, args, index)


def _rankings(
    answerer: Answerer, corpus: CorpusView, index: Path | None = None
) -> dict[str, Answerer]:
    """BM25 alone beside the full pipeline (when it has more stages), on one index; BM25
    alone declines by the threshold the index folder keeps for it, as it would answer."""
    baseline = BM25_ONLY
    if index is not None:
        with contextlib.suppress(CalibrationFileError):  # the full pipeline's load warned
            kept = saved_threshold(index, BM25_ONLY, indexed_corpus(index))
            baseline = baseline if kept is None else replace(baseline, threshold=kept.threshold)
    bm25 = baseline.answerer(corpus, answerer.index)
    return {bm25.stages: bm25, answerer.stages: answerer}


def _evaluate_squad(path: Path, left_out_every: int, ranking: Ranking, calibrating: bool) -> None:
    """Hit@1 and declines on a SQuAD file, whose kept articles are the corpus."""
    if left_out_every < 0:
        raise CommandError("--left-out-every must be 0 (keep all) or more", EXIT_USAGE)
    try:
        squad = load_squad(path, left_out_every)
    except FileNotFoundError as error:
        raise CommandError(f"no SQuAD file at {path}", EXIT_USAGE) from error
    except (SquadFormatError, OSError) as error:
        raise CommandError(str(error), EXIT_USAGE) from error
    answerers = _rankings(ranking.answerer(squad.corpus), squad.corpus)
    reports = {name: evaluate_squad(a, squad) for name, a in answerers.items()}
    print("\n".join(squad_lines(squad, reports)), flush=True)
    if calibrating:
        calibration = calibrate(list(answerers.values())[-1], squad_judges(squad))
        print("\n".join(calibration.lines(THRESHOLD_SETTING)), flush=True)


def _check_save(args: argparse.Namespace, index: Path | None, settings: Settings) -> None:
    """Refuse --save, before any question is asked, where it could keep nothing: no
    --calibrate, no index folder, too few answerable questions, or a calibration file
    or folder it must not or cannot write."""
    if not args.save:
        return
    if not args.calibrate:
        raise CommandError("--save keeps what --calibrate finds: give both", EXIT_USAGE)
    if index is None or args.questions is None:
        raise CommandError(
            "--save keeps the threshold in an index folder: give --index DIR (or set "
            "COVERAGE_BOT_INDEX) and --questions about its coverage; without an index, set "
            f"{THRESHOLD_SETTING} to the threshold --calibrate recommends",
            EXIT_USAGE,
        )
    try:
        answerable = answerable_count(load_cases(args.questions))
    except EvaluationInputError as error:
        raise CommandError(str(error), EXIT_USAGE) from error
    if answerable < MIN_CALIBRATION_QUESTIONS:
        raise CommandError(
            f"--save keeps a threshold found on at least {MIN_CALIBRATION_QUESTIONS} "
            f"answerable questions; {plain(str(args.questions))} has {answerable}",
            EXIT_USAGE,
        )
    try:
        check_savable(index)
    except CalibrationFileError as error:
        raise CommandError(
            f"{plain(str(index / CALIBRATION_FILE))}: {error}; move it aside, or leave out --save"
        ) from error
    if settings.decline_threshold is not None:
        print(
            f"warning: {THRESHOLD_SETTING} is set, so it, not the threshold kept, decides "
            "declines until it is unset",
            file=sys.stderr,
        )


def _evaluate(answerer: Answerer, args: argparse.Namespace, index: Path | None) -> int:
    """Figures on a question set or reference summaries; with --calibrate the threshold
    that suits the set, kept in the index folder with --save."""
    questions, summaries = args.questions, args.summaries
    if questions is None and summaries is None:
        raise CommandError(
            "evaluate needs one or more of --questions FILE, --summaries FILE, --squad FILE",
            EXIT_USAGE,
        )
    lines: list[str] = []
    calibration: Calibration | None = None
    try:
        if questions is not None:
            cases = load_cases(questions)
            for part in unmatched_passages(answerer.corpus, cases):
                shown = part if len(part) <= 60 else f"{part[:60]}…"
                print(
                    plain(
                        f"warning: no passage holds {shown!r}, as written, so its question "
                        "can only be missed"
                    ),
                    file=sys.stderr,
                )
            answerers = _rankings(answerer, answerer.corpus, index)
            lines += report_lines({name: evaluate(a, cases) for name, a in answerers.items()})
            if args.calibrate:
                calibration = calibrate(answerer, case_judges(cases))
                lines += calibration.lines(THRESHOLD_SETTING)
                answerable = answerable_count(cases)
                if answerable < MIN_CALIBRATION_QUESTIONS:
                    lines.append(
                        f"(found on {answerable} answerable questions, fewer than the "
                        f"{MIN_CALIBRATION_QUESTIONS} --save asks for: one question moves it)"
                    )
                if index is not None and not args.save and calibration.attainable:
                    lines.append("(or add --save to keep it in the index folder)")
        if summaries is not None:
            lines += rouge_lines(summary_rouge(answerer.corpus, load_references(summaries)))
    except (EvaluationInputError, SummaryError) as error:  # e.g. a reference to no article
        raise CommandError(str(error), EXIT_USAGE) from error
    except ImportError as error:
        raise CommandError(
            "ROUGE needs the test extra: pip install 'coverage-bot[test]' "
            '(in a checkout: pip install -e ".[test]")',
            EXIT_USAGE,
        ) from error
    print("\n".join(lines), flush=True)
    if calibration is not None and index is not None and args.save:
        print(_keep_threshold(index, answerer, calibration))
    return EXIT_OK


def _keep_threshold(index: Path, answerer: Answerer, calibration: Calibration) -> str:
    """Keep the calibrated threshold in the index folder (after the figures are out, so
    a failure loses none of them); the line that says so."""
    if not calibration.off_topic:
        raise CommandError(
            "--save kept nothing: the set has no off-topic questions to calibrate on, so "
            "answers from this index decline as before"
        )
    if not calibration.attainable:
        raise CommandError(
            f"--save kept nothing: no threshold declines at most {MAX_ANSWERABLE_DECLINED:.0%} "
            "of this set's answerable questions, so answers from this index decline as before"
        )
    try:
        kept = save_threshold(index, answerer.ranking, calibration, indexed_corpus(index))
    except CalibrationFileError as error:
        raise CommandError(f"{plain(str(index / CALIBRATION_FILE))}: {error}") from error
    return (
        f"kept in {plain(str(index / CALIBRATION_FILE))}: answers from this index with "
        f"{answerer.stages} now decline below {kept.threshold:.3f} "
        f"({THRESHOLD_SETTING} overrides it)"
    )
