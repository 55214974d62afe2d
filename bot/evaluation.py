"""Measuring the core: answers against a question set (Hit@1, MRR, declines) and
summaries against reference summaries (ROUGE, beside the Lead-3 baseline).

A question set is JSON Lines: ``{"question": ..., "passages": [...]}`` where each
string is part of a passage that answers; an empty list means the coverage does not
answer it and the bot should decline.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from bot.answer import (
    MAX_QUESTION_CHARS,
    Answer,
    Answerer,
    Hit,
    QuestionError,
    declines,
    question_terms,
)
from bot.corpus import CorpusView
from bot.file_modes import read_file
from bot.index_folder import IndexLoadError
from bot.json_input import read_json
from bot.squad import SquadQuestion, SquadSet
from bot.summary import lead_summary, summarize_article, summarize_story

RANKING_DEPTH = 10


@dataclass(frozen=True)
class Case:
    question: str
    passages: tuple[str, ...]

    def accepts(self, hit: Hit) -> bool:
        """Whether the hit is one of the passages that answer this question: one that
        holds a part of them, as written."""
        return any(part in hit.ref.passage.body for part in self.passages)


@dataclass(frozen=True)
class Report:
    """The figures for one question set; ``misses`` lists the questions that went wrong."""

    answerable: int
    hit_at_1: float
    mrr: float
    off_topic: int
    declined_off_topic: int
    declined_answerable: int
    misses: tuple[str, ...]

    def figures(self) -> list[tuple[str, str]]:
        return [
            ("answerable questions", str(self.answerable)),
            ("Hit@1", f"{self.hit_at_1:.3f}"),
            (f"MRR@{RANKING_DEPTH}", f"{self.mrr:.3f}"),
            ("off-topic questions declined", f"{self.declined_off_topic} of {self.off_topic}"),
            ("answerable questions declined", f"{self.declined_answerable} of {self.answerable}"),
        ]


def column_labels(names: Sequence[str]) -> tuple[list[str], list[str]]:
    """Labels short enough for an 80-column table (BM25, then "all stages"), and the
    line that names the stages a shortened label stands for."""
    if len(names) < 2:
        return list(names), []
    return ["BM25", ALL_STAGES], [f"{ALL_STAGES}: {names[-1]}"]


def report_lines(reports: dict[str, Report]) -> list[str]:
    """One column of figures per ranking, side by side, then the misses of the last."""
    labels, legend = column_labels(list(reports))
    lines = [*legend, f"{'':<32}" + "".join(f"{n:>{COLUMN}}" for n in labels)]
    rows = [r.figures() for r in reports.values()]
    for number, (label, _) in enumerate(rows[0]):
        lines.append(f"{label:<32}" + "".join(f"{row[number][1]:>{COLUMN}}" for row in rows))
    return lines + list(reports[list(reports)[-1]].misses)


class EvaluationInputError(ValueError):
    """A question set or reference file that cannot be read; the message says where."""


def load_cases(path: Path) -> list[Case]:
    """The question set in ``path``."""
    try:
        lines = read_file(path).decode("utf-8-sig").splitlines()  # Notepad's BOM too
    except (OSError, UnicodeDecodeError) as error:
        raise EvaluationInputError(f"the question set {path} cannot be read ({error})") from error
    cases = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = read_json(line)
            question, passages = record["question"], record["passages"]
        except (ValueError, KeyError, TypeError) as error:
            raise EvaluationInputError(
                f"{path}:{number}: not a question line "
                '({"question": "...", "passages": ["...", ...]})'
            ) from error
        if not isinstance(question, str) or not (
            isinstance(passages, list) and all(isinstance(p, str) for p in passages)
        ):
            raise EvaluationInputError(f"{path}:{number}: question and passages must be text")
        if not question.strip():
            raise EvaluationInputError(f"{path}:{number}: the question is empty")
        _require_askable(question, f"{path}:{number}")
        if any(not p.strip() for p in passages):
            raise EvaluationInputError(
                f"{path}:{number}: a passage is empty (it would match every passage); "
                "give words the right passage holds, or [] for an off-topic question"
            )
        cases.append(Case(question, tuple(passages)))
    if not cases:
        raise EvaluationInputError(f"the question set {path} holds no questions")
    return cases


def _require_askable(question: str, where: str) -> None:
    """EvaluationInputError for a question the bot would refuse to search (too long, no
    words): measuring it would score a refusal as a decline. A very long one is refused by
    its length alone, before it is cleaned character by character."""
    if len(question) > 4 * MAX_QUESTION_CHARS:
        raise EvaluationInputError(
            f"{where}: the question is {len(question):,} characters long; the bot answers "
            f"{MAX_QUESTION_CHARS:,} at most"
        )
    try:
        question_terms(question)
    except QuestionError as error:
        raise EvaluationInputError(f"{where}: the bot would not search it: {error}") from None


def answerable_count(cases: Sequence[Case]) -> int:
    """How many of the questions should be answered (the others should be declined)."""
    return sum(bool(case.passages) for case in cases)


UNMATCHED_SCAN_PASSAGES = 100_000
"""The most passages :func:`unmatched_passages` reads: past it (an index folder of a large
archive, read from disk), the check is left out rather than read every article."""


def unmatched_passages(corpus: CorpusView, cases: Sequence[Case]) -> list[str]:
    """The expected passages (the words quoted from them) that no passage of the coverage
    holds, as written (:meth:`Case.accepts`): such a question can only be missed, and the
    figures would blame the ranking for a typo or a curly quote in the question set. A
    passage whose article cannot be read is passed over, as ranking passes it over."""
    wanted = {part for case in cases for part in case.passages}
    passages = corpus.passages
    if not wanted or len(passages) > UNMATCHED_SCAN_PASSAGES:
        return []
    for number in range(len(passages)):
        try:
            body = passages[number].passage.body
        except IndexLoadError:
            continue
        wanted = {part for part in wanted if part not in body}
        if not wanted:
            return []
    return list(dict.fromkeys(part for case in cases for part in case.passages if part in wanted))


def load_references(path: Path) -> dict[str, str]:
    """Reference summaries: ``{"story" or article id: summary text}``."""
    try:
        references = read_json(read_file(path).decode("utf-8-sig"))
    except (OSError, ValueError) as error:
        raise EvaluationInputError(
            f"the reference summaries {path} cannot be read ({error})"
        ) from error
    if not isinstance(references, dict) or not all(isinstance(v, str) for v in references.values()):
        raise EvaluationInputError(f"{path}: expected a JSON object of summary texts")
    return references


def _answer_or_decline(answerer: Answerer, question: str, results: int) -> Answer:
    """The answer, or, for a question the bot would refuse to search, a decline."""
    try:
        return answerer.answer(question, results=results)
    except QuestionError:
        return Answer(question, None, None, ())


def evaluate(answerer: Answerer, cases: list[Case]) -> Report:
    """Hit@1 counts the answer a user sees (a decline is a miss); MRR scores the ranking."""
    hits = reciprocal_ranks = 0.0
    declined_off_topic = declined_answerable = 0
    misses: list[str] = []
    for case in cases:
        answer = _answer_or_decline(answerer, case.question, RANKING_DEPTH)
        if not case.passages:
            declined_off_topic += answer.best is None
            if answer.best is not None:
                misses.append(f"answered off-topic: {case.question}")
            continue
        declined_answerable += answer.best is None
        if answer.best is not None and case.accepts(answer.best):
            hits += 1
        else:
            misses.append(f"missed: {case.question}")
        rank = next((r for r, hit in enumerate(answer.results, 1) if case.accepts(hit)), None)
        reciprocal_ranks += 1 / rank if rank else 0.0
    answerable = answerable_count(cases)
    return Report(
        answerable=answerable,
        hit_at_1=hits / answerable if answerable else 0.0,
        mrr=reciprocal_ranks / answerable if answerable else 0.0,
        off_topic=len(cases) - answerable,
        declined_off_topic=declined_off_topic,
        declined_answerable=declined_answerable,
        misses=tuple(misses),
    )


@dataclass(frozen=True)
class SquadReport:
    """The figures of one answerer on a SQuAD set: each a share of its questions."""

    hit_at_1: float
    mrr: float
    sentence_holds_answer: float
    answerable_declined: float
    left_out_declined: float

    ROWS = (
        ("hit@1 (asked-about paragraph first)", "hit_at_1"),
        (f"MRR@{RANKING_DEPTH}", "mrr"),
        ("highlighted sentence holds an answer", "sentence_holds_answer"),
        ("answerable questions declined", "answerable_declined"),
        ("left-out article questions declined", "left_out_declined"),
    )


def evaluate_squad(answerer: Answerer, squad: SquadSet) -> SquadReport:
    """Hit@1 counts the answer a user sees (a decline is a miss); the sentence share is
    of those hits; a question on a left-out article is right only when declined."""
    hits = holds = declined = 0
    reciprocal_ranks = 0.0
    for question in squad.answerable:
        answer = _answer_or_decline(answerer, question.question, RANKING_DEPTH)
        declined += answer.best is None
        if answer.best is not None and _is_gold(answer.best, question):
            hits += 1
            holds += any(_spaced(a) in _spaced(answer.sentence or "") for a in question.answers)
        rank = next((r for r, hit in enumerate(answer.results, 1) if _is_gold(hit, question)), 0)
        reciprocal_ranks += 1 / rank if rank else 0.0
    left_out_declined = sum(
        _answer_or_decline(answerer, q.question, 1).best is None for q in squad.left_out
    )
    answerable = len(squad.answerable) or 1
    return SquadReport(
        hit_at_1=hits / answerable,
        mrr=reciprocal_ranks / answerable,
        sentence_holds_answer=holds / hits if hits else 0.0,
        answerable_declined=declined / answerable,
        left_out_declined=left_out_declined / (len(squad.left_out) or 1),
    )


def squad_lines(squad: SquadSet, reports: dict[str, SquadReport]) -> list[str]:
    """The set's make-up, then one column of figures per answerer, side by side."""
    kept = len(squad.corpus.articles)
    labels, legend = column_labels(list(reports))
    lines = [
        f"corpus: {kept} articles, {len(squad.corpus.passages)} passages; "
        f"left out: {', '.join(squad.left_out_titles) or 'none'}",
        f"questions: {len(squad.answerable)} on the corpus, {len(squad.left_out)} on left-out "
        "articles",
        *legend,
        f"{'':<40}" + "".join(f"{name:>{COLUMN}}" for name in labels),
    ]
    for label, attribute in SquadReport.ROWS:
        figures = "".join(f"{getattr(r, attribute):>{COLUMN}.3f}" for r in reports.values())
        lines.append(f"{label:<40}{figures}")
    return lines


def _is_gold(hit: Hit, question: SquadQuestion) -> bool:
    """Whether the hit is the paragraph the question was written on."""
    return hit.ref.article.id == question.article and hit.ref.position == question.paragraph


def _spaced(text: str) -> str:
    return " ".join(text.split())


ALL_STAGES = "all stages"
COLUMN = 12
"""Characters per column of figures: two columns beside a 40-character label fit 80."""
MAX_ANSWERABLE_DECLINED = 0.05
"""The share of answerable questions a calibrated threshold may decline."""


@dataclass(frozen=True)
class Calibration:
    """The decline threshold that suits a question set: one that declines as many of its
    off-topic questions as any threshold declining at most MAX_ANSWERABLE_DECLINED of its
    answerable ones, and no more answerable ones than it must (the highest such); and what
    thresholds around it would do."""

    threshold: float
    current: float
    rows: tuple[tuple[float, float, float, float], ...]
    """(threshold, hit@1, answerable declined, off-topic declined), lowest first."""
    answerable: int
    off_topic: int
    """How many questions of each kind it was found on."""

    @property
    def attainable(self) -> bool:
        """Whether some threshold declines at most MAX_ANSWERABLE_DECLINED of the set's
        answerable questions, and the set has off-topic questions to tell what it
        declines. Otherwise the recommendation is not worth keeping: it answers nearly
        everything (0: only answers with no evidence are declined), or is a guess."""
        return self.off_topic > 0 and self._recommended[2] <= MAX_ANSWERABLE_DECLINED

    @property
    def _recommended(self) -> tuple[float, float, float, float]:
        return next(row for row in self.rows if row[0] == round(self.threshold, 3))

    def lines(self, setting: str) -> list[str]:
        header = ("threshold", "hit@1", "answerable declined", "off-topic declined")
        table = ["{:>10} {:>7} {:>20} {:>19}".format(*header)]
        for t, h, a, o in self.rows:
            mark = "  (now)" if t == round(self.current, 3) else ""
            recommended = self.off_topic and t == round(self.threshold, 3)
            mark += "  (recommended)" if recommended else ""
            table.append(f"{t:>10.3f} {h:>7.3f} {a:>20.3f} {o:>19.3f}{mark}")
        recommended = self._recommended
        if not self.off_topic:
            return [
                *table,
                'this set has no off-topic questions (with "passages": []), so nothing tells '
                "what a threshold declines that should be declined: add some to calibrate",
            ]
        if recommended[2] > MAX_ANSWERABLE_DECLINED:
            table.append(
                f"even declining only answers with no evidence (a name the coverage never "
                f"uses, or the answer check's veto) declines {recommended[2]:.1%} of this "
                f"set's answerable questions, more than {MAX_ANSWERABLE_DECLINED:.0%}"
            )
        elif recommended[3] == 0:
            table.append(
                "no threshold declines any of this set's off-topic questions without "
                f"declining more than {MAX_ANSWERABLE_DECLINED:.0%} of its answerable ones"
            )
        return [*table, f"recommended for this corpus: {setting}={self.threshold:.3f}"]


Judge = Callable[[Hit], bool] | None
"""Whether a hit answers a question; None for a question that should be declined."""


def calibrate(answerer: Answerer, questions: Sequence[tuple[str, Judge]]) -> Calibration:
    """Ask every question with declining turned off, and find the threshold on the
    evidence of the top result (:attr:`Answer.evidence`) that declines best."""
    never_declines = replace(answerer.ranking, threshold=-math.inf)
    undeclining = never_declines.answerer(answerer.corpus, answerer.index, answerer.vectors)
    right: list[float] = []
    wrong: list[float] = []
    off: list[float] = []
    for question, judge in questions:
        try:
            answer = undeclining.answer(question, results=1)
        except QuestionError:
            continue
        if judge is None:
            off.append(answer.evidence)
        elif answer.results and judge(answer.results[0]):
            right.append(answer.evidence)
        else:
            wrong.append(answer.evidence)
    answerable = sorted(right + wrong)
    allowed = int(MAX_ANSWERABLE_DECLINED * len(answerable))
    # Rounded down to the 3 decimals shown, so that the setting declines no more.
    highest = math.floor(answerable[allowed] * 1000) / 1000 if answerable else 0.0
    # Of the thresholds that decline as many off-topic questions as that one, the highest
    # that declines no more answerable ones than the lowest of them: past it, answerable
    # questions go for nothing; below it, the margin against off-topic questions like
    # these is given away for nothing. (No evidence is declined at any threshold.)
    caught = [e for e in off if 0 < e < highest]
    lowest = math.floor(max(caught) * 1000) / 1000 + 0.001 if caught else 0.0
    spared = [e for e in answerable if e >= lowest and e > 0]
    best = min(highest, math.floor(min(spared) * 1000) / 1000) if spared else highest
    best = max(best, min(lowest, highest))

    def row(t: float) -> tuple[float, float, float, float]:
        n = len(answerable) or 1
        return (
            t,
            sum(not declines(e, t) for e in right) / n,
            sum(declines(e, t) for e in answerable) / n,
            sum(declines(e, t) for e in off) / (len(off) or 1),
        )

    # Evidence is never negative: a threshold below 0 would read as one that declines less.
    steps = {max(0.0, round(best + d, 3)) for d in (-0.2, -0.1, -0.05, 0.0, 0.05, 0.1, 0.2)}
    steps.add(round(answerer.threshold, 3))
    rows = tuple(row(t) for t in sorted(steps))
    return Calibration(best, answerer.threshold, rows, len(answerable), len(off))


def case_judges(cases: Sequence[Case]) -> list[tuple[str, Judge]]:
    return [(c.question, c.accepts if c.passages else None) for c in cases]


def squad_judges(squad: SquadSet) -> list[tuple[str, Judge]]:
    answerable = [(q.question, partial(_is_gold, question=q)) for q in squad.answerable]
    return [*answerable, *((q.question, None) for q in squad.left_out)]


ROUGE_METRICS = ("rouge1", "rouge2", "rougeL")


@dataclass(frozen=True)
class RougeRow:
    """ROUGE F-measures of the method and of Lead-3 against one reference summary."""

    subject: str
    method: tuple[float, float, float]
    lead: tuple[float, float, float]


def summary_rouge(corpus: CorpusView, references: dict[str, str]) -> list[RougeRow]:
    """Score summaries against references keyed by article id, or "story" for the whole.

    Needs the ``rouge-score`` package (in the ``test`` extra): ROUGE is for measuring,
    not for answering.
    """
    from rouge_score import rouge_scorer  # an evaluation-only dependency

    scorer = rouge_scorer.RougeScorer(list(ROUGE_METRICS), use_stemmer=True)

    def f_measures(reference: str, sentences: list[str]) -> tuple[float, float, float]:
        scores = scorer.score(reference, " ".join(sentences))
        return tuple(scores[m].fmeasure for m in ROUGE_METRICS)  # type: ignore[return-value]

    rows = []
    for subject, reference in references.items():
        if subject == "story":
            summary = summarize_story(corpus)
            lead = lead_summary(corpus.articles, 3)
        else:
            summary = summarize_article(corpus, subject)
            lead = lead_summary(corpus.find_articles(subject), 3)
        method = [s.text for s in summary.sentences]
        rows.append(RougeRow(subject, f_measures(reference, method), f_measures(reference, lead)))
    return rows


def rouge_lines(rows: list[RougeRow]) -> list[str]:
    """A table of the rows and their means, as README shows it."""
    lines = [f"{'summary':<48} {'method R1/R2/RL':>20} {'Lead-3 R1/R2/RL':>20}"]
    for row in [*rows, _mean_row(rows)]:
        method = "/".join(f"{x:.3f}" for x in row.method)
        lead = "/".join(f"{x:.3f}" for x in row.lead)
        lines.append(f"{row.subject:<48} {method:>20} {lead:>20}")
    return lines


def _mean_row(rows: list[RougeRow]) -> RougeRow:
    def mean(values: list[tuple[float, float, float]]) -> tuple[float, float, float]:
        return tuple(sum(column) / len(values) for column in zip(*values, strict=True))  # type: ignore[return-value]

    return RougeRow("mean", mean([r.method for r in rows]), mean([r.lead for r in rows]))
