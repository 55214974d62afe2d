"""The state database's cost to the bot, on a real SQLite file in a temporary folder.

- what logging a question adds to the answer path: the bot hands the question to a
  background task (``ServerState.log_question``) and replies at once; timed is that
  hand-off, per question, with its write finished before the next, and the write
  itself (``QuestionLog.record``) apart, for what the hand-off keeps off the path;
- ``/report`` over N logged questions (10,000 by default) in one server, with another
  server's questions beside them: the database read and the grouping of declined
  questions into gaps (``build_report``), then the chart (``chart_png``).

Targets: logging <= 1 ms on the answer path; the report over 10,000 questions <= 1 s.

Run: ``.venv/bin/python benchmarks/bench_state.py [--questions N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.config import Settings
from bot.discord_bot.server_state import ServerState
from bot.knowledge import build_knowledge
from bot.report import build_report, chart_png, coverage_gaps
from bot.state.question_log import AskedQuestion
from bot.state.schema import questions, votes

ROOT = Path(__file__).resolve().parent.parent
GUILD, OTHER_GUILD, CHANNEL = 1, 2, 3
LOGGED = 1000
"""Questions logged to time the answer path."""
MODES = ("bus", "rail", "ferry", "tram", "bike")
SUBJECTS = ("fares", "strike", "timetable", "closures", "pass", "delays", "parking", "tickets")
TOPICS = [f"{mode} {subject}" for mode in MODES for subject in SUBJECTS]
FRAMES = ("What about {}?", "When do the {} change?", "Who decided the {}?", "Are {} going up?")


def percentile(values: list[float], share: float) -> float:
    return sorted(values)[min(len(values) - 1, int(share * len(values)))]


async def answer_path(state: ServerState) -> tuple[list[float], list[float]]:
    """Microseconds each hand-off took, and milliseconds each write took on its own."""
    assert state.questions is not None
    answerer = build_knowledge(ROOT / "corpus").answerer
    answers = [answerer.answer(q, 3) for q in ("What did the FAA do?", "Who won the cup?")]
    handed, written = [], []
    for n in range(LOGGED):
        asked = AskedQuestion.of(answers[n % 2], GUILD, CHANNEL)
        start = time.perf_counter()
        state.log_question(asked, discord_id=10**18 + n)
        handed.append((time.perf_counter() - start) * 1e6)
        await state.question_id(10**18 + n)  # the write done before the next question
        start = time.perf_counter()
        await state.questions.record(asked)
        written.append((time.perf_counter() - start) * 1e3)
    return handed, written


async def fill(state: ServerState, count: int) -> None:
    """``count`` questions over 60 days in the server, a third declined (asked in a few
    hundred phrasings, as readers repeat one another), some answers voted on; and as many
    again in another server."""
    rng = random.Random(12)
    now = dt.datetime.now(dt.UTC)
    rows = []
    for n in range(2 * count):
        declined = rng.random() < 1 / 3
        topic = rng.choice(TOPICS)
        rows.append(
            {
                "asked_at": now - dt.timedelta(minutes=rng.randrange(60 * 24 * 60)),
                "guild_id": GUILD if n < count else OTHER_GUILD,
                "channel_id": CHANNEL,
                "member": f"{rng.randrange(500):032x}",
                "question": rng.choice(FRAMES).format(topic),
                "answered": not declined,
                "article_id": None if declined else topic.replace(" ", "-"),
                "headline": None if declined else f"The {topic} story",
                "passage": None if declined else f"What the coverage says about {topic}.",
                "score": None if declined else rng.random() * 10,
                "evidence": rng.random(),
                "discord_id": 2 * 10**18 + n,
            }
        )
    assert state.database is not None

    async def insert(connection: AsyncConnection) -> None:
        await connection.execute(questions.insert(), rows)
        ids = await connection.execute(questions.select().with_only_columns(questions.c.id))
        voted = [row[0] for row in ids if rng.random() < 0.1]
        await connection.execute(
            votes.insert(),
            [
                {
                    "question_id": q,
                    "member": "0" * 32,
                    "helpful": rng.random() < 0.5,
                    "voted_at": now,
                }
                for q in voted
            ],
        )

    await state.database.run(insert)


async def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(_env_file=None, state_dir=Path(folder))  # type: ignore[call-arg]
        state = ServerState(settings)
        await state.open()
        assert state.database is not None, "the state database did not open"
        handed, written = await answer_path(state)
        print(f"Logging a question ({LOGGED} questions, SQLite in WAL mode):")
        print(
            f"  on the answer path (hand-off to the background)  median "
            f"{statistics.median(handed):.1f} µs, p99 {percentile(handed, 0.99):.1f} µs, "
            f"max {max(handed):.1f} µs (target <= 1 ms)"
        )
        print(
            f"  the write itself, as the background task does it  median "
            f"{statistics.median(written):.2f} ms, p99 {percentile(written, 0.99):.2f} ms"
        )
        await fill(state, count)
        print(f"Report over {count:,} questions in one server ({count:,} more in another):")
        reads = []
        for _ in range(5):
            start = time.perf_counter()
            report = await build_report(state.database, None, GUILD)
            reads.append(time.perf_counter() - start)
        assert report.asked == count + 2 * LOGGED, report.asked
        print(
            f"  build_report (read, gaps, votes, articles)       median "
            f"{statistics.median(reads) * 1e3:.0f} ms, max {max(reads) * 1e3:.0f} ms "
            "(target <= 1 s)"
        )
        start = time.perf_counter()
        png = await asyncio.to_thread(chart_png, report)
        print(
            f"  chart_png (60 days, {len(png) / 1024:.0f} KiB PNG)"
            f"{'':<22}{(time.perf_counter() - start) * 1e3:.0f} ms"
        )
        distinct = distinct_questions(count)
        start = time.perf_counter()
        gaps = coverage_gaps(distinct)
        print(
            f"  gaps among {count:,} declined questions, all worded differently"
            f"{'':<2}{(time.perf_counter() - start) * 1e3:.0f} ms ({len(gaps):,} groups)"
        )
        await state.close()


def distinct_questions(count: int) -> list[str]:
    """Declined questions that share few words: the worst case for grouping them."""
    rng = random.Random(7)
    words = [f"topic{n}" for n in range(3000)]
    return [" ".join(rng.sample(words, 5)) + "?" for _ in range(count)]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=int, default=10_000)
    asyncio.run(main(parser.parse_args().questions))
