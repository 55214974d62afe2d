"""The state database: SQLite in the state folder by default, any SQLAlchemy async URL
(PostgreSQL through asyncpg, say) when several bot processes share state.

Every failure reaches callers as :class:`StateUnavailable`, one line saying what is wrong
with which database, so that the bot can log it and go on answering without its state.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

from sqlalchemy import event, select
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from bot.state.schema import MIGRATIONS, SCHEMA_VERSION, meta

DATABASE_FILE = "coverage-bot.sqlite3"
BUSY_TIMEOUT_MS = 5000
"""How long an SQLite writer waits for another to finish before giving up."""
T = TypeVar("T")
_IMMEDIATE = "coverage_bot_immediate"
"""An execution option: begin this transaction holding SQLite's write lock."""


class StateUnavailable(RuntimeError):
    """The database cannot be used; the message is one line for a log or a terminal."""


class StateLost(StateUnavailable):
    """The database went from under a running bot: its file damaged, or moved, deleted or
    replaced (an open connection would go on writing to the file that is gone, and every
    change since would be lost with it). Only opening it again can help."""


def database_url(url: str | None, state_dir: Path) -> str:
    """The URL the settings give, else an SQLite file in the state folder."""
    if url:
        return url
    return f"sqlite+aiosqlite:///{(state_dir / DATABASE_FILE).resolve()}"


class StateDatabase:
    """An open database at the current schema version."""

    def __init__(self, engine: AsyncEngine, where: str) -> None:
        self.engine = engine
        self.where = where
        self.on_lost: Callable[[StateDatabase, StateLost], None] | None = None
        """Told (which database, and why) when it is lost, before the caller gets StateLost."""
        self._file: Path | None = None
        """The SQLite file, once open, and which file it was (see StateLost)."""
        self._identity: tuple[int, int] | None = None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @classmethod
    async def open(
        cls,
        url: str,
        on_lost: Callable[[StateDatabase, StateLost], None] | None = None,
        writable: bool = False,
    ) -> StateDatabase:
        """Connect, creating an SQLite file's folder, and migrate to the current schema;
        with ``writable``, StateUnavailable unless a write goes through (a database the bot
        may only read would take no vote, setting or question, each failing on its own)."""
        parsed = parse_database_url(url)
        where = (
            parsed.database if parsed.get_backend_name() == "sqlite" else parsed.render_as_string()
        )
        file = sqlite_file(parsed) if parsed.get_backend_name() == "sqlite" else None
        if file is not None:
            _prepare_file(file)
        try:
            engine = create_async_engine(parsed)
        except (SQLAlchemyError, ImportError) as error:
            raise StateUnavailable(
                f"the state database {where} cannot be opened: {error}"
            ) from None
        if engine.dialect.name == "sqlite":
            _sqlite_pragmas(engine)
        database = cls(engine, str(where))
        await database._migrate()
        if writable:
            try:
                await database.run(_rewrite_version)
            except StateUnavailable:
                await database.close()
                raise
        if file is not None:
            database._file, database._identity = file, _identity(file)
        database.on_lost = on_lost
        return database

    async def run(self, work: Callable[[AsyncConnection], Awaitable[T]], write: bool = True) -> T:
        """``work`` in one transaction; any database failure as StateUnavailable. On
        SQLite a writing transaction takes the write lock as it begins (BEGIN IMMEDIATE),
        so that one which reads before it writes waits its turn behind another writer
        (the busy timeout) instead of failing at once when the other commits first."""
        if self._file is not None and _identity(self._file) != self._identity:
            raise self._lost("was moved, deleted or replaced while the bot ran")
        try:
            async with self.engine.connect() as connection:
                if write:
                    connection = await connection.execution_options(**{_IMMEDIATE: True})
                async with connection.begin():
                    return await work(connection)
        except (SQLAlchemyError, OSError) as error:
            why = _why(error)
            if why.startswith(_DAMAGED):
                raise self._lost(why) from None
            raise StateUnavailable(f"the state database {self.where} {why}") from None

    def _lost(self, why: str) -> StateLost:
        lost = StateLost(f"the state database {self.where} {why}")
        if self.on_lost is not None:
            self.on_lost(self, lost)
        return lost

    async def close(self) -> None:
        await self.engine.dispose()

    async def _migrate(self) -> None:
        """Apply the migrations this database lacks. Two processes starting at once may
        race; the loser finds the work done when it tries again."""
        for attempt in range(3):
            try:
                await self.run(self._apply_migrations)
                return
            except StateUnavailable:
                if attempt == 2:
                    raise
                await asyncio.sleep(0.1 * (attempt + 1))

    async def _apply_migrations(self, connection: AsyncConnection) -> None:
        version = await connection.run_sync(_schema_version)
        if version > SCHEMA_VERSION:
            raise StateUnavailable(
                f"the state database {self.where} was written by a newer coverage-bot "
                f"(schema {version}, this one knows {SCHEMA_VERSION})"
            )
        for migration in MIGRATIONS[version:]:
            await connection.run_sync(migration)
        if version < SCHEMA_VERSION:
            await connection.run_sync(_set_meta, "schema_version", str(SCHEMA_VERSION))


def parse_database_url(url: str) -> URL:
    """The URL as SQLAlchemy reads it, or StateUnavailable saying what is wrong (never
    repeating the URL, which may hold a password)."""
    try:
        return make_url(url)
    except (SQLAlchemyError, ValueError) as error:  # ValueError: a port that is not a number
        raise StateUnavailable(
            f"COVERAGE_BOT_DATABASE_URL is not a database URL SQLAlchemy reads: {error}"
        ) from None


def sqlite_file(url: URL) -> Path | None:
    """The file an SQLite URL names: its path, or with ``uri=true`` the path of its
    ``file:`` URI (``file:/srv/state.db?mode=ro``); None for a database in memory."""
    name = url.database
    if not name or name == ":memory:":
        return None
    if str(url.query.get("uri", "")).lower() in ("true", "1") and name.startswith("file:"):
        name = unquote(urlsplit(name).path)
        return Path(name) if name and name != ":memory:" else None
    return Path(name)


async def _rewrite_version(connection: AsyncConnection) -> None:
    """A write that changes nothing: the schema version, set to itself."""
    version = meta.c.key == "schema_version"
    await connection.execute(meta.update().where(version).values(value=meta.c.value))


def _prepare_file(path: Path) -> None:
    if path.is_dir():
        raise StateUnavailable(f"the state database {path} is a folder, not a file")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StateUnavailable(
            f"the state folder {path.parent} cannot be created: {error.strerror}"
        ) from None


def _sqlite_pragmas(engine: AsyncEngine) -> None:
    """WAL, so readers never wait for the writer; a busy timeout, so concurrent writers
    queue; foreign keys, so a question's votes go with it; and transactions that include
    the schema changes (SQLAlchemy's recipe for the sqlite3 module)."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get(_IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _schema_version(connection: Connection) -> int:
    if not connection.dialect.has_table(connection, meta.name):
        return 0
    value = connection.execute(select(meta.c.value).where(meta.c.key == "schema_version")).scalar()
    return int(value) if value is not None else 0


def _set_meta(connection: Connection, key: str, value: str) -> None:
    connection.execute(meta.delete().where(meta.c.key == key))
    connection.execute(meta.insert().values(key=key, value=value))


_DAMAGED = "is damaged"


def _identity(file: Path) -> tuple[int, int] | None:
    """Which file is at ``file`` (device and inode); None when there is none."""
    try:
        status = file.stat()
    except OSError:
        return None
    return (status.st_dev, status.st_ino)


def _why(error: BaseException) -> str:
    """What went wrong, as the end of a sentence about the database."""
    if isinstance(error, OSError):
        return f"cannot be used: {error.strerror or error}"
    original = error.orig if isinstance(error, DBAPIError) else None
    text = str(original or error).splitlines()[0]
    if "not a database" in text or "malformed" in text:
        return f"{_DAMAGED} ({text}); move it away and a new one is started"
    if isinstance(error, OperationalError) and "locked" in text:
        return f"is locked by another program ({text})"
    return f"cannot be used: {text}"
