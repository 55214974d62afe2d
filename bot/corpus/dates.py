"""Article dates as the formats write them: ``Jan 8, 2020``, ``2020-01-08``, YAML dates."""

from __future__ import annotations

import datetime as dt

_WRITTEN_FORMATS = ("%b %d, %Y", "%B %d, %Y", "%b. %d, %Y", "%d %B %Y", "%d %b %Y")


def parse_date(value: object) -> dt.date:
    """The calendar date of ``value``; ValueError names what could not be read."""
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
    for written in _WRITTEN_FORMATS:
        try:
            return dt.datetime.strptime(text, written).date()
        except ValueError:
            continue
    raise ValueError(f"not a date: {value!r} (use 2020-01-08 or Jan 8, 2020)")
