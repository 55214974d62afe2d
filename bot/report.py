"""What readers asked, for editors: how many questions, how many answered, the questions
the coverage could not answer grouped by their words ("gaps in the coverage"), the
answers most often voted not helpful, the articles most answered from, and a chart of
questions per day. Read from the question log; ``coverage-bot report`` and ``/report``
show it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.analysis import analyze
from bot.corpus import headline_then
from bot.state.database import StateDatabase, StateUnavailable
from bot.state.schema import questions, votes

LISTED = 5
"""Rows in each of the report's lists."""
GROUPING_SIMILARITY = 0.5
"""How much of their words two declined questions must share to count as one gap."""
CHART_DAYS = 60
"""Calendar days the chart shows at most: those up to the last day with a question."""


@dataclass(frozen=True)
class Gap:
    """Declined questions that share their words: what readers wanted and did not find."""

    terms: tuple[str, ...]
    count: int
    example: str


@dataclass(frozen=True)
class VotedAnswer:
    headline: str
    passage: str
    not_helpful: int
    helpful: int


@dataclass(frozen=True)
class ArticleAnswers:
    headline: str
    answers: int


@dataclass(frozen=True)
class Day:
    day: dt.date
    answered: int
    declined: int


@dataclass(frozen=True)
class QuestionReport:
    since: dt.date | None
    asked: int
    answered: int
    gaps: tuple[Gap, ...]
    not_helpful: tuple[VotedAnswer, ...]
    articles: tuple[ArticleAnswers, ...]
    days: tuple[Day, ...]
    unlisted_gaps: int = 0
    """Gaps past the LISTED shown, and the declined questions they hold, for a line that
    says so: an editor is not to think the list is all there is."""
    unlisted_gap_questions: int = 0

    @property
    def answered_share(self) -> float:
        return self.answered / self.asked if self.asked else 0.0


async def build_report(
    database: StateDatabase, since: dt.date | None = None, guild_id: int | None = None
) -> QuestionReport:
    """The report over questions asked on or after ``since`` (UTC), in one server
    (``guild_id``) or, for the operator, everywhere."""
    conditions = []
    if since is not None:
        conditions.append(questions.c.asked_at >= dt.datetime.combine(since, dt.time(), dt.UTC))
    if guild_id is not None:
        conditions.append(questions.c.guild_id == guild_id)
    where = and_(True, *conditions)

    async def read(connection: AsyncConnection) -> tuple[list[Any], list[Any]]:
        rows = (
            await connection.execute(
                select(
                    questions.c.asked_at,
                    questions.c.answered,
                    questions.c.question,
                    questions.c.headline,
                    questions.c.read_as,
                )
                .where(where)
                .order_by(questions.c.asked_at)
            )
        ).all()
        not_helpful = func.sum(case((votes.c.helpful.is_(False), 1), else_=0))
        helpful = func.sum(case((votes.c.helpful.is_(True), 1), else_=0))
        voted = (
            await connection.execute(
                select(questions.c.headline, questions.c.passage, not_helpful, helpful)
                .join(votes, votes.c.question_id == questions.c.id)
                .where(where)
                .group_by(questions.c.headline, questions.c.passage)
                .having(not_helpful > 0)
                .order_by(not_helpful.desc(), questions.c.headline)
                .limit(LISTED)
            )
        ).all()
        return rows, voted

    try:
        rows, voted = await database.run(read, write=False)
    except (ValueError, TypeError) as error:  # a row changed outside the bot: "not a time"
        raise StateUnavailable(
            f"the state database {database.where} holds a row it cannot read ({error})"
        ) from None
    # Grouping thousands of declined questions by their words is CPU work: off the loop.
    return await asyncio.to_thread(_report, since, rows, voted)


def _report(since: dt.date | None, rows: list, voted: list) -> QuestionReport:
    days: dict[dt.date, list[int]] = defaultdict(lambda: [0, 0])
    declined: list[str] = []
    articles: Counter[str] = Counter()
    for asked_at, answered, question, headline, read_as in rows:
        days[asked_at.date()][0 if answered else 1] += 1
        if answered:
            if isinstance(headline, str):  # none in a row changed outside the bot
                articles[headline] += 1
        else:
            asked = read_as if isinstance(read_as, str) else question  # "missles": "missiles"
            if isinstance(asked, str):  # bytes, in a row changed outside the bot
                declined.append(asked)
    gaps = coverage_gaps(declined)
    return QuestionReport(
        since=since,
        asked=len(rows),
        answered=sum(1 for row in rows if row[1]),
        gaps=tuple(gaps[:LISTED]),
        not_helpful=tuple(VotedAnswer(h or "", p or "", int(n), int(y)) for h, p, n, y in voted),
        articles=tuple(
            ArticleAnswers(h, n)
            for h, n in sorted(articles.items(), key=lambda item: (-item[1], item[0]))[:LISTED]
        ),
        days=tuple(Day(day, a, d) for day, (a, d) in sorted(days.items())),
        unlisted_gaps=len(gaps[LISTED:]),
        unlisted_gap_questions=sum(gap.count for gap in gaps[LISTED:]),
    )


def coverage_gaps(declined: list[str]) -> list[Gap]:
    """Declined questions grouped by their words, most asked first. A question joins the
    first group whose words it shares at least half of (by Jaccard similarity of their
    analysed terms), so "monthly pass price?" joins "How much is a monthly pass?"; a
    group is named by the words most of its questions use. Groups asked as often come
    most recently asked first (questions come in the order they were asked)."""
    groups: list[tuple[set[str], list[str], Counter[str], list[int]]] = []
    by_term: dict[str, list[int]] = defaultdict(list)  # a group is compared only when it
    for order, question in enumerate(declined):  # shares a word, so the work is not
        terms = set(analyze(question))  # questions x groups
        if not terms:
            continue
        sharing = sorted({number for term in terms for number in by_term.get(term, ())})
        for number in sharing:
            seed, asked, counts, last = groups[number]
            if len(terms & seed) / len(terms | seed) >= GROUPING_SIMILARITY:
                asked.append(question)
                counts.update(terms)
                last[0] = order
                break
        else:
            for term in terms:
                by_term[term].append(len(groups))
            groups.append((terms, [question], Counter(terms), [order]))
    ranked = sorted(groups, key=lambda group: (-len(group[1]), -group[3][0]))
    return [
        Gap(
            tuple(sorted(t for t, n in counts.items() if n * 2 > len(asked))),
            len(asked),
            asked[-1],
        )
        for _, asked, counts, _ in ranked
    ]


def report_json(report: QuestionReport) -> dict[str, object]:
    data = asdict(report)
    data["answered_share"] = round(report.answered_share, 4)
    data["since"] = report.since.isoformat() if report.since else None
    data["days"] = [
        {"day": d.day.isoformat(), "answered": d.answered, "declined": d.declined}
        for d in report.days
    ]
    return data


def report_lines(report: QuestionReport) -> list[str]:
    """The report as plain lines for a terminal."""
    since = f" since {report.since.isoformat()}" if report.since else ""
    lines = [
        f"Questions asked{since}: {report.asked}",
        f"Answered: {report.answered} ({report.answered_share:.0%}); "
        f"declined: {report.asked - report.answered}",
    ]
    if report.gaps:
        lines += ["", "Gaps in the coverage (declined questions, by their words):"]
        lines += [f"  {g.count} x {' '.join(g.terms)}: {_one_line(g.example)}" for g in report.gaps]
        if report.unlisted_gaps:
            lines.append(f"  {unlisted_gaps(report)}")
    if report.not_helpful:
        lines += ["", "Answers voted not helpful:"]
        lines += [
            f"  {a.not_helpful} not helpful, {a.helpful} helpful: "
            f"{headline_then(_one_line(a.headline))}{_one_line(a.passage)}"
            for a in report.not_helpful
        ]
    if report.articles:
        lines += ["", "Articles most answered from:"]
        lines += [f"  {a.answers} x {_one_line(a.headline)}" for a in report.articles]
    return lines


def unlisted_gaps(report: QuestionReport) -> str:
    """The line under the gaps listed that counts the others."""
    gaps, asked = report.unlisted_gaps, report.unlisted_gap_questions
    return (
        f"and {gaps} more gap{'' if gaps == 1 else 's'} "
        f"({asked} question{'' if asked == 1 else 's'}), each asked as often or less"
    )


LINE_TEXT = 160
"""Characters of a reader's question, a headline or a passage on one line of the report."""


def _one_line(text: str) -> str:
    """Text from a reader or the corpus on one line, shortened: a question may hold line
    breaks, and a passage runs to paragraphs."""
    flat = " ".join(text.split())
    return flat if len(flat) <= LINE_TEXT else flat[: LINE_TEXT - 1].rstrip() + "…"


def chart_png(report: QuestionReport) -> bytes:
    """Questions per day, answered and declined stacked, as a PNG image."""
    from matplotlib.figure import Figure  # a Figure needs no pyplot and no display

    counts = {day.day: day for day in report.days}
    # Never past today: a row dated 9999 (changed outside the bot) is past what a chart of
    # dates can draw.
    today = dt.datetime.now(dt.UTC).date()
    last = min(report.days[-1].day, today) if report.days else today
    earliest = min(report.days[0].day, last) if report.days else last
    window = dt.timedelta(CHART_DAYS - 1)
    first = max(earliest, last - window if last - dt.date.min >= window else dt.date.min)
    days = [first + dt.timedelta(n) for n in range((last - first).days + 1)]  # quiet days too
    shown = [counts.get(day, Day(day, 0, 0)) for day in days]
    figure = Figure(figsize=(8, 3.5), dpi=100)
    axes = figure.add_subplot()
    answered = [d.answered for d in shown]
    axes.bar(days, answered, color="#3b82f6", label="answered")
    axes.bar(days, [d.declined for d in shown], bottom=answered, color="#f59e0b", label="declined")
    axes.set_title("Questions per day")
    axes.set_ylabel("questions")
    axes.legend(loc="upper left")
    axes.yaxis.get_major_locator().set_params(integer=True)
    figure.autofmt_xdate()
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
