"""Starting and stopping the bot: logging, the token, signals, and start-up failures.

A start-up failure is one sentence on stderr and a non-zero exit, never a traceback,
and the token never appears in either.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

import aiohttp
import discord

from bot.config import Settings
from bot.discord_bot.client import CoverageBot, make_bot
from bot.knowledge import Knowledge
from bot.version import version

log = logging.getLogger(__name__)

NO_TOKEN = """\
coverage-bot: DISCORD_TOKEN is not set.
Create a bot application at https://discord.com/developers/applications, copy its token
(Bot > Reset Token) and put it in .env as DISCORD_TOKEN=... (see README, "Create the bot
in the Discord developer portal"). To try the answers without Discord, run: coverage-bot chat"""


class StartupError(Exception):
    """Why the bot could not start, in one sentence for the person running it."""


def configure_logging(level: str) -> None:
    """Key=value log lines on stderr, discord.py's included."""
    logging.basicConfig(
        level=level,
        format="%(asctime)s level=%(levelname)s logger=%(name)s %(message)s",
        stream=sys.stderr,
    )


def token_of(settings: Settings) -> str:
    if settings.discord_token is None or not settings.discord_token.get_secret_value().strip():
        raise StartupError(NO_TOKEN)
    return settings.discord_token.get_secret_value().strip()


def _log_startup(knowledge: Knowledge) -> None:
    """What this process serves and where it came from, so a deployment's log answers
    "which version, which coverage?" before anything else happens."""
    log.info("starting coverage-bot version=%s", version())
    articles, passages = len(knowledge.corpus.articles), len(knowledge.corpus.passages)
    where = knowledge.path.resolve()
    if knowledge.from_index:
        log.info("loaded index: articles=%d passages=%d index=%s", articles, passages, where)
    else:
        log.info(
            "loaded corpus: articles=%d passages=%d skipped=%d corpus=%s",
            articles,
            passages,
            knowledge.skipped,
            where,
        )


async def serve(settings: Settings, knowledge: Knowledge) -> None:
    """Run the bot until SIGINT or SIGTERM, then close the connection cleanly."""
    token = token_of(settings)
    _log_startup(knowledge)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with make_bot(settings, knowledge) as bot:
        bot.refresh_if_outdated()
        running = asyncio.create_task(_start(bot, token))
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if stopping.done():
            log.info("signal received; shutting down")
            await bot.close()
        stopping.cancel()
        await running


async def sync_only(settings: Settings, knowledge: Knowledge) -> None:
    """Log in, sync the slash commands whether or not they changed, and leave."""
    token = token_of(settings)
    _log_startup(knowledge)
    async with make_bot(settings, knowledge, force_sync=True) as bot:
        await _start(bot, token, connect=False)


async def _start(bot: CoverageBot, token: str, *, connect: bool = True) -> None:
    """Log in (which runs setup_hook) and connect, turning Discord's refusals into words."""
    try:
        await bot.login(token)
        if connect:
            await bot.connect()
    except (aiohttp.ClientError, OSError) as error:
        raise StartupError(f"coverage-bot: could not reach Discord: {error}") from error
    except discord.LoginFailure as error:
        raise StartupError(
            "coverage-bot: Discord refused DISCORD_TOKEN; it may be mistyped or reset. "
            "Copy a fresh one from the developer portal (Bot > Reset Token)."
        ) from error
    except discord.PrivilegedIntentsRequired as error:
        raise StartupError(
            "coverage-bot: the Message Content intent is not enabled for this bot. Enable it "
            "in the developer portal (Bot > Privileged Gateway Intents), or set "
            "COVERAGE_BOT_MESSAGE_CONTENT=false to run without it (mentions, replies and DMs "
            "still work; ask channels need it)."
        ) from error
