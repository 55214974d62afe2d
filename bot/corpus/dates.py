"""Article dates as the formats write them: ``Jan 8, 2020``, ``2020-01-08``, ``3/19/2024``,
``2024/03/19``, and the dates YAML front matter already parsed."""

from __future__ import annotations

import datetime as dt

from dateutil import parser as dateutil_parser

# dateutil fills a part the text lacks from a default date. Reading the text against two
# defaults that differ in every part shows a missing day, month or year as a difference,
# so "January 2020" is refused rather than read as some day of it.
_DEFAULTS = (dt.datetime(2001, 1, 1), dt.datetime(2002, 2, 2))


def parse_date(value: object) -> dt.date:
    """The calendar date of ``value``; ValueError names what could not be read.

    A numeric date with slashes is read month first (``3/19/2024``), unless the first
    number cannot be a month (``19/3/2024``).
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"not a date: {value!r}")
    text = " ".join(value.split())
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    try:
        # ignoretz: only the day is kept, and a zone dateutil does not know ("8:30 a.m. ET")
        # would otherwise print a Python warning to the user.
        first, second = (
            dateutil_parser.parse(text, default=d, ignoretz=True).date() for d in _DEFAULTS
        )
    except (ValueError, OverflowError):
        first = second = None
    if first is None or first != second:
        raise ValueError(f"not a date: {value!r} (use 2020-01-08 or Jan 8, 2020)")
    return first
