"""Every question readers asked, what the bot answered, and their votes on the answers.

No user id is kept: a member is a keyed hash (BLAKE2b with a random salt this database
keeps), enough to count one vote per member and nothing to look a person up by. Rows
older than the retention period are deleted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.answer import Answer
from bot.state.database import StateDatabase
from bot.state.schema import discord_key, meta, questions, votes

DEFAULT_RETENTION_DAYS = 90


@dataclass(frozen=True)
class AskedQuestion:
    """One question and its outcome, as the log keeps it."""

    question: str
    answered: bool
    guild_id: int | None = None
    channel_id: int | None = None
    article_id: str | None = None
    headline: str | None = None
    passage: str | None = None
    score: float | None = None
    evidence: float | None = None
    read_as: str | None = None

    @classmethod
    def of(
        cls, answer: Answer, guild_id: int | None = None, channel_id: int | None = None
    ) -> AskedQuestion:
        """The log's record of an answer (or a decline) given in a server's channel."""
        best = answer.best
        if best is None:
            return cls(
                answer.question,
                False,
                guild_id,
                channel_id,
                evidence=answer.evidence,
                read_as=answer.read_as,
            )
        return cls(
            answer.question,
            True,
            guild_id,
            channel_id,
            article_id=best.ref.article.id,
            headline=best.ref.article.headline,
            passage=best.ref.passage.body,
            score=best.score,
            evidence=answer.evidence,
            read_as=answer.read_as,
        )


class QuestionLog:
    def __init__(self, database: StateDatabase) -> None:
        self.database = database
        self._salt: bytes | None = None

    async def record(
        self,
        asked: AskedQuestion,
        at: dt.datetime | None = None,
        discord_id: int | None = None,
    ) -> int:
        """Log a question; its id in the log. ``discord_id`` (the question's message or
        interaction, which the vote buttons carry) is kept only as a keyed hash, so that
        the log cannot be used to look the message, and so its author, up. Who asked is
        not kept at all."""
        key = await self.discord_key(discord_id) if discord_id is not None else None

        async def insert(connection: AsyncConnection) -> int:
            result = await connection.execute(
                questions.insert().values(
                    asked_at=at or dt.datetime.now(dt.UTC), discord_id=key, **vars(asked)
                )
            )
            return int(result.inserted_primary_key[0])

        return await self.database.run(insert)

    async def vote(self, question_id: int, member_id: int, helpful: bool) -> bool:
        """Store a member's vote on an answer, replacing their earlier one; False when the
        question is no longer in the log (deleted by retention)."""
        member = await self.member_key(member_id)

        async def upsert(connection: AsyncConnection) -> bool:
            known = await connection.execute(
                select(questions.c.id).where(questions.c.id == question_id)
            )
            if known.first() is None:
                return False
            await connection.execute(
                delete(votes).where(votes.c.question_id == question_id, votes.c.member == member)
            )
            await connection.execute(
                votes.insert().values(
                    question_id=question_id,
                    member=member,
                    helpful=helpful,
                    voted_at=dt.datetime.now(dt.UTC),
                )
            )
            return True

        return await self.database.run(upsert)

    async def question_id(self, discord_id: int) -> int | None:
        """The log's id of the question Discord knows as ``discord_id``; None when it was
        never logged or has been deleted."""

        async def find(connection: AsyncConnection) -> int | None:
            query = select(questions.c.id).where(questions.c.discord_id == key)
            return (await connection.execute(query)).scalar()

        key = await self.discord_key(discord_id)
        return await self.database.run(find, write=False)

    async def forget_before(self, cutoff: dt.datetime) -> int:
        """Delete questions (and their votes) asked before ``cutoff``; how many."""

        async def prune(connection: AsyncConnection) -> int:
            old = select(questions.c.id).where(questions.c.asked_at < cutoff)
            await connection.execute(delete(votes).where(votes.c.question_id.in_(old)))
            result = await connection.execute(
                delete(questions).where(questions.c.asked_at < cutoff)
            )
            return int(result.rowcount or 0)

        return await self.database.run(prune)

    async def discord_key(self, discord_id: int) -> int:
        """A Discord id's keyed hash in this database (see :func:`schema.discord_key`)."""
        return discord_key(await self._database_salt(), discord_id)

    async def member_key(self, member_id: int) -> str:
        """The member's keyed hash in this database."""
        salt = await self._database_salt()
        digest = hashlib.blake2b(str(member_id).encode(), key=salt, digest_size=16)
        return digest.hexdigest()

    async def _database_salt(self) -> bytes:
        """The salt migration 1 stored, read once."""
        if self._salt is None:

            async def salt(connection: AsyncConnection) -> bytes:
                query = select(meta.c.value).where(meta.c.key == "salt")
                return bytes.fromhex((await connection.execute(query)).scalar_one())

            self._salt = await self.database.run(salt, write=False)
        return self._salt
