"""Each server's own settings, over the operator's defaults.

A server stores only what it changed (NULL is "the default"), so a default the operator
changes later still reaches every server that never set that value.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, fields, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.state.database import StateDatabase
from bot.state.schema import guild_settings


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
    """Where new articles from feeds are announced; None: nowhere."""
    feedback: bool = True
    """Answers carry Helpful / Not helpful buttons."""


FIELDS = tuple(f.name for f in fields(GuildConfig))


class GuildConfigs:
    """Reads and changes servers' settings in the state database."""

    def __init__(self, database: StateDatabase, defaults: GuildConfig) -> None:
        self.database = database
        self.defaults = defaults

    async def get(self, guild_id: int) -> GuildConfig:
        """The server's settings: its own values over the defaults."""

        async def read(connection: AsyncConnection) -> GuildConfig:
            row = (
                await connection.execute(
                    select(guild_settings).where(guild_settings.c.guild_id == guild_id)
                )
            ).first()
            return self._merged(row._mapping if row is not None else {})

        return await self.database.run(read)

    async def change(self, guild_id: int, **values: Any) -> GuildConfig:
        """Set some of the server's values (None: back to the default); the result."""
        unknown = set(values) - set(FIELDS)
        if unknown:
            raise ValueError(f"not a server setting: {', '.join(sorted(unknown))}")
        stored = {name: _stored(name, value) for name, value in values.items()}

        async def write(connection: AsyncConnection) -> GuildConfig:
            table = guild_settings
            where = table.c.guild_id == guild_id
            row = (await connection.execute(select(table).where(where))).first()
            now = dt.datetime.now(dt.UTC)
            if row is None:
                await connection.execute(
                    table.insert().values(guild_id=guild_id, updated_at=now, **stored)
                )
                current: dict[str, Any] = stored
            else:
                await connection.execute(
                    table.update().where(where).values(updated_at=now, **stored)
                )
                current = {**row._mapping, **stored}
            return self._merged(current)

        return await self.database.run(write)

    def _merged(self, row: Any) -> GuildConfig:
        own = {name: _loaded(name, row[name]) for name in FIELDS if row.get(name) is not None}
        return replace(self.defaults, **own)


def _stored(name: str, value: Any) -> Any:
    if name == "ask_channels" and value is not None:
        return json.dumps(sorted(int(channel) for channel in value))
    return value


def _loaded(name: str, value: Any) -> Any:
    if name == "ask_channels":
        return frozenset(int(channel) for channel in json.loads(value))
    return value
