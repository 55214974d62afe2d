"""Each server's own settings, over the operator's defaults.

A server stores only what it changed (NULL is "the default"), so a default the operator
changes later still reaches every server that never set that value.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.config import MAX_TOP, Settings
from bot.json_input import read_json
from bot.state.database import StateDatabase, StateUnavailable
from bot.state.schema import guild_settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GuildConfig:
    """How the bot behaves in one server."""

    ask_channels: frozenset[int] = frozenset()
    """Channels where any question is answered without mentioning the bot."""
    threads: bool = False
    """Answer a channel question in a new thread rather than in the channel."""
    cooldown_rate: int = 3
    cooldown_seconds: float = 30.0
    results: int = 3
    announce_channel: int | None = None
    """Where new articles from feeds are announced; None or NO_CHANNEL: nowhere."""
    feedback: bool = True
    """Answers carry Helpful / Not helpful buttons."""


MAX_COOLDOWN_RATE = 20
MIN_COOLDOWN_SECONDS = 1.0
MAX_COOLDOWN_SECONDS = 86_400.0
"""A server's cooldown stays within these bounds, whatever the operator's default: a
server admin may loosen it, not switch off the rate limit that protects the bot's CPU
for every server it serves."""

NO_CHANNEL = 0
"""A channel setting that says "nowhere" (stored, unlike None, which is the default)."""

FIELDS = tuple(f.name for f in fields(GuildConfig))


def defaults_from(settings: Settings) -> GuildConfig:
    """What a server that set nothing gets: the operator's environment settings."""
    return GuildConfig(
        ask_channels=settings.ask_channels,
        threads=False,
        cooldown_rate=settings.cooldown_rate,
        cooldown_seconds=settings.cooldown_seconds,
        results=settings.top,
        announce_channel=settings.announce_channel,
        feedback=True,
    )


def range_error(name: str, value: Any) -> str | None:
    """Why a server may not set ``name`` to ``value``: the ranges of the environment's
    settings (COVERAGE_BOT_TOP, _COOLDOWN_RATE, _COOLDOWN_SECONDS), said plainly. None
    (back to the default) is always allowed."""
    if value is None:
        return None
    if name == "results" and not 1 <= value <= MAX_TOP:
        return f"The number of results must be from 1 to {MAX_TOP}, not {_given(value)}."
    if name == "cooldown_rate" and not 1 <= value <= MAX_COOLDOWN_RATE:
        return (
            f"The cooldown must allow from 1 to {MAX_COOLDOWN_RATE} questions, not {_given(value)}."
        )
    if name == "cooldown_seconds" and not (
        MIN_COOLDOWN_SECONDS <= value <= MAX_COOLDOWN_SECONDS and math.isfinite(value)
    ):
        return (
            f"The cooldown period must be from {MIN_COOLDOWN_SECONDS:g} to "
            f"{MAX_COOLDOWN_SECONDS:g} seconds, not {_given(value)}."
        )
    return None


def _given(value: float) -> str:
    """A refused value as it was given: a whole number in full, a fraction to twelve
    digits (86400.0001 is not "86400", the limit it was refused for)."""
    return str(value) if isinstance(value, int) else f"{value:.12g}"


class GuildConfigs:
    """Reads and changes servers' settings in the state database."""

    def __init__(self, database: StateDatabase, defaults: GuildConfig) -> None:
        self.database = database
        self.defaults = defaults

    async def get(self, guild_id: int) -> GuildConfig:
        """The server's settings: its own values over the defaults."""
        return replace(self.defaults, **await self.own(guild_id))

    async def own(self, guild_id: int) -> dict[str, Any]:
        """Only the values the server set itself, by name."""

        async def read(connection: AsyncConnection) -> dict[str, Any]:
            row = (
                await connection.execute(
                    select(guild_settings).where(guild_settings.c.guild_id == guild_id)
                )
            ).first()
            values = row._mapping if row is not None else {}
            return {n: _loaded(n, values[n]) for n in FIELDS if values.get(n) is not None}

        return await self.database.run(read, write=False)

    async def change(self, guild_id: int, **values: Any) -> GuildConfig:
        """Set some of the server's values (None: back to the default); the result."""
        config, _ = await self.update(guild_id, lambda _: values)
        return config

    async def update(
        self, guild_id: int, work: Callable[[GuildConfig], dict[str, Any]]
    ) -> tuple[GuildConfig, dict[str, Any]]:
        """Set the values ``work`` gives from the server's settings as they are, read in
        the same transaction as the write, so two admins adding a channel at once both
        get theirs; the result and the values set (none: nothing was written)."""

        table = guild_settings
        where = table.c.guild_id == guild_id

        async def insert(connection: AsyncConnection) -> None:
            if (await connection.execute(select(table.c.guild_id).where(where))).first() is None:
                now = dt.datetime.now(dt.UTC)
                await connection.execute(table.insert().values(guild_id=guild_id, updated_at=now))

        # The row exists before the change reads it, so that FOR UPDATE has a row to lock
        # (PostgreSQL; SQLite's writing transactions lock the whole file): two first
        # changes at once would otherwise both insert, and one fail on the key. (Two
        # first inserts at once on PostgreSQL: one admin is told to try again.)
        await self.database.run(insert)

        async def write(connection: AsyncConnection) -> tuple[GuildConfig, dict[str, Any]]:
            row = (await connection.execute(select(table).where(where).with_for_update())).first()
            current = dict(row._mapping) if row is not None else {}
            # A value damaged outside the bot (which makes the server get every default
            # until then) is put back to its default by any change: otherwise none, a
            # reset included, could repair it.
            damaged = [name for name in FIELDS if _unreadable(name, current.get(name))]
            readable = {k: v for k, v in current.items() if k not in damaged}
            values = work(self._merged(readable))
            unknown = set(values) - set(FIELDS)
            if unknown:
                raise ValueError(f"not a server setting: {', '.join(sorted(unknown))}")
            if not values and not damaged:
                return self._merged(readable), {}
            if damaged:
                log.warning(
                    "guild=%s: stored %s could not be read; back to the default",
                    guild_id,
                    ", ".join(damaged),
                )
            stored = {
                **dict.fromkeys(damaged),
                **{name: _stored(name, value) for name, value in values.items()},
            }
            now = dt.datetime.now(dt.UTC)
            if row is None:
                await connection.execute(
                    table.insert().values(guild_id=guild_id, updated_at=now, **stored)
                )
            else:
                await connection.execute(
                    table.update().where(where).values(updated_at=now, **stored)
                )
            return self._merged({**readable, **stored}), {**dict.fromkeys(damaged), **values}

        return await self.database.run(write)

    def _merged(self, row: Any) -> GuildConfig:
        own = {name: _loaded(name, row[name]) for name in FIELDS if row.get(name) is not None}
        return replace(self.defaults, **own)


class DamagedSetting(StateUnavailable):
    """A server's stored value was changed outside the bot into one it cannot use; the
    server gets the defaults until any change puts the value back to its default."""


def _unreadable(name: str, value: Any) -> bool:
    """Whether a stored value is damaged (see :func:`_loaded`)."""
    if value is None:
        return False
    try:
        _loaded(name, value)
    except DamagedSetting:
        return True
    return False


def _stored(name: str, value: Any) -> Any:
    if name == "ask_channels" and value is not None:
        return json.dumps(sorted(int(channel) for channel in value))
    return value


_KINDS: dict[str, tuple[type, ...]] = {
    "threads": (bool,),
    "cooldown_rate": (int,),
    "cooldown_seconds": (float, int),
    "results": (int,),
    "announce_channel": (int,),
    "feedback": (bool,),
}
"""What each stored value may be: SQLite keeps whatever a hand edit put in a number's
column (a Boolean column reads as a bool, whatever it holds)."""


_KIND_NAMES = {bool: "true or false", int: "a whole number", float: "a number"}


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _loaded(name: str, value: Any) -> Any:
    """A stored value as GuildConfig holds it; DamagedSetting (the server gets the
    defaults, and the log says why) for one damaged outside the bot: text where a number
    belongs, or a number out of its range ("results 999", a cooldown of 0 seconds), which
    would otherwise fail every question or switch the rate limit off."""
    if name == "ask_channels":
        try:
            channels = read_json(value)
        except (ValueError, TypeError):
            channels = None
        if not isinstance(channels, list) or not all(_is_id(c) for c in channels):
            raise DamagedSetting(
                f"a server's stored ask channels cannot be read ({value!r} is not a list of "
                "channels); set them again with /settings ask-channel"
            )
        return frozenset(channels)
    kinds = _KINDS[name]
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        why = f"{value!r} is not {_KIND_NAMES[kinds[0]]}"
    elif name == "announce_channel":
        why = None if value >= NO_CHANNEL else f"{value!r} is not a channel"
    else:
        why = range_error(name, value)
    if why is not None:
        raise DamagedSetting(
            f"a server's stored {name.replace('_', ' ')} cannot be used ({why}); set it "
            "again with /settings"
        )
    return value
