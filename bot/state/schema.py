"""The state database's tables (SQLAlchemy Core, so one schema serves SQLite and PostgreSQL),
and the migrations that bring a database of any earlier version up to this one.

Discord ids are 64-bit snowflakes: BigInteger everywhere one is kept. No user id is ever
stored; a member is a salted hash (see :mod:`bot.state.question_log`).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import Connection

metadata = MetaData()

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)
"""``schema_version`` and the member-hash ``salt``."""

guild_settings = Table(
    "guild_settings",
    metadata,
    Column("guild_id", BigInteger, primary_key=True),
    Column("ask_channels", Text),  # JSON list of channel ids; NULL: the default
    Column("threads", Boolean),
    Column("cooldown_rate", Integer),
    Column("cooldown_seconds", Float),
    Column("results", Integer),
    Column("announce_channel", BigInteger),
    Column("feedback", Boolean),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
"""One row per server that changed something; a NULL column means the operator's default."""

questions = Table(
    "questions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("asked_at", DateTime(timezone=True), nullable=False),
    Column("guild_id", BigInteger),  # NULL: a direct message or the terminal
    Column("channel_id", BigInteger),
    Column("member", String(32)),  # not written since version 3: who asked is not kept
    Column("question", Text, nullable=False),
    Column("answered", Boolean, nullable=False),
    Column("article_id", Text),
    Column("headline", Text),
    Column("passage", Text),
    Column("score", Float),
    Column("evidence", Float),
    Column("discord_id", BigInteger),  # the question's message or interaction (migration 2)
    Column("read_as", Text),  # with its misspellings corrected; NULL: as asked (migration 4)
    Index("questions_by_guild_time", "guild_id", "asked_at"),
    Index("questions_by_time", "asked_at"),
    Index("questions_by_discord_id", "discord_id", unique=True),
)
"""``discord_id`` is known before the row is written, so an answer's vote buttons can name
the question while it is logged in the background."""

votes = Table(
    "votes",
    metadata,
    Column(
        "question_id",
        Integer,
        ForeignKey("questions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("member", String(32), primary_key=True),
    Column("helpful", Boolean, nullable=False),
    Column("voted_at", DateTime(timezone=True), nullable=False),
)
"""One vote per member per answer: a second click changes it."""


def _version_1(connection: Connection) -> None:
    metadata.create_all(connection, tables=[meta, guild_settings, questions, votes])
    connection.execute(meta.insert().values(key="salt", value=secrets.token_hex(32)))


def _version_2(connection: Connection) -> None:
    """The question's Discord id. Version 1 creates tables from today's definitions, so
    a database made new already has the column and index; one made earlier gains them."""
    if "discord_id" not in {c["name"] for c in inspect(connection).get_columns("questions")}:
        connection.execute(text("ALTER TABLE questions ADD COLUMN discord_id BIGINT"))
    for index in questions.indexes:
        if index.name == "questions_by_discord_id":
            index.create(connection, checkfirst=True)


def _version_3(connection: Connection) -> None:
    """Nothing that names a reader: who asked is no longer kept with the question (votes
    keep their own member hash), and the question's Discord id only as a keyed hash,
    so the log cannot look its message, and so its author, up."""
    salt = bytes.fromhex(
        connection.execute(select(meta.c.value).where(meta.c.key == "salt")).scalar_one()
    )
    connection.execute(questions.update().values(member=None))
    rows = connection.execute(
        select(questions.c.id, questions.c.discord_id).where(questions.c.discord_id.is_not(None))
    ).all()
    for row_id, discord_id in rows:
        connection.execute(
            questions.update()
            .where(questions.c.id == row_id)
            .values(discord_id=discord_key(salt, discord_id))
        )


def _version_4(connection: Connection) -> None:
    """How each question was read once its misspellings were corrected, so that the gaps
    in the coverage group "missles" with "missiles". A database made new has the column
    already (see :func:`_version_2`); the questions logged before keep NULL, as asked."""
    if "read_as" not in {c["name"] for c in inspect(connection).get_columns("questions")}:
        connection.execute(text("ALTER TABLE questions ADD COLUMN read_as TEXT"))


def discord_key(salt: bytes, discord_id: int) -> int:
    """A Discord id's keyed hash (BLAKE2b, this database's salt) as a positive 63-bit
    integer: what the log keeps in place of a message or interaction id."""
    digest = hashlib.blake2b(f"discord:{discord_id}".encode(), key=salt, digest_size=8)
    return int.from_bytes(digest.digest(), "big") >> 1


MIGRATIONS: tuple[Callable[[Connection], None], ...] = (
    _version_1,
    _version_2,
    _version_3,
    _version_4,
)
"""Migration n (counting from 1) takes a database from version n - 1 to n. A new version
appends one; none is ever edited once released."""

SCHEMA_VERSION = len(MIGRATIONS)
