"""``coverage-bot report``: the question log's report in a terminal, as JSON, or as a chart."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

from bot.config import Settings
from bot.report import QuestionReport, build_report, chart_png, report_json, report_lines
from bot.state.database import (
    StateDatabase,
    StateUnavailable,
    database_url,
    parse_database_url,
    sqlite_file,
)
from bot.terminal import json_text


class ReportError(ValueError):
    """Why there is no report; one line for the terminal."""


def parse_since(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ReportError(f"--since takes a date as YYYY-MM-DD, not {text!r}") from None


def report_text(
    settings: Settings, since: dt.date | None, as_json: bool, chart: Path | None
) -> str:
    """The report over every server's questions, as the operator sees it."""
    if chart is not None and chart.exists():
        raise ReportError(f"{chart} already exists; name a new file for the chart")
    url = database_url(
        settings.database_url.get_secret_value() if settings.database_url else None,
        settings.state_dir,
    )
    try:
        parsed = parse_database_url(url)
    except StateUnavailable as error:
        raise ReportError(str(error)) from None
    if parsed.get_backend_name() == "sqlite" and not (
        (file := sqlite_file(parsed)) is not None and file.is_file()
    ):
        raise ReportError(
            f"no questions have been logged yet: there is no state database at {parsed.database}"
            " (the bot keeps it in COVERAGE_BOT_STATE_DIR; only questions asked in Discord are"
            " logged, not those asked with ask or chat)"
        )
    try:
        report = asyncio.run(_read(url, since))
    except StateUnavailable as error:
        raise ReportError(str(error)) from None
    if chart is not None:
        try:
            with chart.open("xb") as file:  # never over a file someone has
                file.write(chart_png(report))
        except OSError as error:
            raise ReportError(f"cannot write the chart to {chart}: {error.strerror}") from None
    if as_json:
        return json_text(report_json(report))
    lines = report_lines(report)
    return "\n".join([*lines, *([f"chart: {chart}"] if chart is not None else [])])


async def _read(url: str, since: dt.date | None) -> QuestionReport:
    database = await StateDatabase.open(url)
    try:
        return await build_report(database, since)
    finally:
        await database.close()
