"""Settings, read once from the environment and a ``.env`` file and validated.

Every setting is listed, with a comment, in ``.env.example``. The Discord token is a
secret: it prints as ``**********`` and is never logged.
"""

from __future__ import annotations

import difflib
import io
import logging
import os
import sys
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal, get_args
from urllib.parse import urlsplit

from dotenv.parser import parse_stream
from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.file_modes import read_file


def _bundled_corpus() -> Path:
    """The coverage an installed wheel carries in the package; in a checkout or an editable
    install, the repository's ``corpus/``, which is where the wheel's copy comes from."""
    shipped = resources.files("bot") / "bundled_corpus"
    if isinstance(shipped, Path) and shipped.is_dir():
        return shipped
    return Path(__file__).resolve().parent.parent / "corpus"


BUNDLED_CORPUS = _bundled_corpus()
MAX_TOP = 20
"""The most ranked passages an answer may list, from the command line or the settings."""
MAX_EVIDENCE = 2.0
"""The most evidence an answer can have: all of the question's weight, plus a cosine
similarity of 1; a decline threshold above it would decline everything."""
MIN_FEED_INTERVAL = 60.0
MAX_FEED_INTERVAL = 7 * 24 * 3600.0
"""Feeds are polled at most once a minute (politeness) and at least once a week."""


class SettingsError(ValueError):
    """A setting with a value the bot cannot use; the message names it."""


MAX_RETENTION_DAYS = 36_500
"""A century: the daily clean-up's cut-off date must be a date (a trillion days was not)."""
ENV_FILE = Path(".env")
ENV_PREFIX = "COVERAGE_BOT_"
ENV_ENCODING = "utf-8"  # python-dotenv passes over the byte-order mark Windows editors write
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=ENV_FILE,
        env_file_encoding=ENV_ENCODING,
        env_ignore_empty=True,  # `COVERAGE_BOT_TOP=` in the environment leaves .env's value
        extra="ignore",
        populate_by_name=True,
    )

    corpus: Path = Field(BUNDLED_CORPUS, description="folder or file of coverage to load")
    top: int = Field(3, ge=1, le=MAX_TOP, description="ranked passages an answer lists, best first")
    index: Path | None = Field(None, description="a folder written by `coverage-bot index`")

    discord_token: SecretStr | None = Field(None, validation_alias="DISCORD_TOKEN")
    discord_guild_id: int | None = Field(None, validation_alias="DISCORD_GUILD_ID")
    ask_channels: Annotated[frozenset[int], NoDecode] = frozenset()
    answer_dms: bool = True
    admin_users: Annotated[frozenset[int], NoDecode] = Field(
        frozenset(), description="user ids who may /reload, besides the application's owner"
    )
    cooldown_rate: int = Field(3, ge=1, description="questions a member may ask per period")
    cooldown_seconds: float = Field(30.0, gt=0, description="the cooldown period")
    view_timeout: float = Field(600.0, gt=0, description="seconds answer buttons stay live")
    state_dir: Path = Field(
        Path(".coverage-bot"), description="where the bot keeps its state (database, feeds)"
    )
    database_url: SecretStr | None = Field(
        None, description="an SQLAlchemy async URL; empty: SQLite in the state folder"
    )
    retention_days: int = Field(
        90, ge=1, le=MAX_RETENTION_DAYS, description="days logged questions are kept"
    )
    feeds: Annotated[tuple[str, ...], NoDecode] = Field((), description="RSS/Atom feeds to follow")
    announce_channel: int | None = Field(None, gt=0, description="where new articles are announced")
    feed_interval: float = Field(
        900.0, ge=MIN_FEED_INTERVAL, le=MAX_FEED_INTERVAL, description="seconds between polls"
    )
    message_content: bool = Field(True, description="ask for the privileged intent")
    shard_count: int | None = Field(
        None, ge=1, description="run as AutoShardedBot over this many shards in all"
    )
    shard_ids: Annotated[tuple[int, ...] | None, NoDecode] = Field(
        None, description="the shards this process runs (default: all of them)"
    )
    log_level: LogLevel = "INFO"
    semantic: bool = Field(True, description="re-rank BM25's candidates by meaning")
    answer_check: bool = Field(
        True, description="read the question with each of the best candidates (cross-encoder)"
    )
    model: Path | None = Field(None, description="a folder with model.onnx and tokenizer.json")
    decline_threshold: float | None = Field(
        None,
        ge=0,
        le=MAX_EVIDENCE,
        allow_inf_nan=False,
        description="evidence below which answers are declined (evaluate --calibrate)",
    )

    @model_validator(mode="before")
    @classmethod
    def _blank_is_unset(cls, data: object) -> object:
        """A setting left blank (``DISCORD_GUILD_ID=``, as .env.example invites) or named
        with no value at all is the default, whatever its type."""
        if not isinstance(data, dict):
            return data
        return {
            key: value
            for key, value in data.items()
            if value is not None and not (isinstance(value, str) and not value.strip())
        }

    @field_validator("corpus", "index", "state_dir", "model", mode="before")
    @classmethod
    def _expand_home(cls, value: object) -> object:
        """``~/news`` means the home folder's ``news``, as it does in a shell."""
        return Path(value).expanduser() if isinstance(value, str | Path) else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_case_level(cls, value: object) -> object:
        """``debug`` is DEBUG: logging's level names are not case-sensitive to a reader.
        Anything else is left as written, for the message to quote."""
        if isinstance(value, str) and value.strip().upper() in get_args(LogLevel):
            return value.strip().upper()
        return value

    @field_validator("feeds", mode="before")
    @classmethod
    def _split_feed_urls(cls, value: object) -> object:
        """``https://a/feed, https://b/rss`` as written in .env, as well as a list."""
        if isinstance(value, str):
            return [part for part in value.replace(",", " ").split() if part]
        return value

    @field_validator("feeds")
    @classmethod
    def _web_addresses(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for url in value:
            parts = urlsplit(url)
            if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
                raise ValueError(f"not an http(s) address: {url}")
        return tuple(dict.fromkeys(value))

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _split_shard_ids(cls, value: object) -> object:
        """``0, 1`` as written in .env, as well as a list."""
        if isinstance(value, str):
            return [part for part in value.replace(",", " ").split() if part]
        return value

    @field_validator("shard_ids")
    @classmethod
    def _shards_of_the_count(
        cls, value: tuple[int, ...] | None, info: ValidationInfo
    ) -> tuple[int, ...] | None:
        """Each id names one of COVERAGE_BOT_SHARD_COUNT's shards, which must be set."""
        count = info.data.get("shard_count")
        if value is not None and (
            count is None or not value or any(not 0 <= i < count for i in value)
        ):
            raise ValueError("shard ids out of range")
        return tuple(dict.fromkeys(value)) if value is not None else None

    @field_validator("ask_channels", "admin_users", mode="before")
    @classmethod
    def _split_channel_ids(cls, value: object) -> object:
        """``123, 456`` as written in .env, as well as a list."""
        if isinstance(value, str):
            return [part for part in value.replace(",", " ").split() if part]
        return value


def setting_names() -> dict[str, str]:
    """Each field's name as a person sets it: ``top`` is COVERAGE_BOT_TOP, and the Discord
    settings go by their own names."""
    return {
        field: info.validation_alias
        if isinstance(info.validation_alias, str)
        else ENV_PREFIX + field.upper()
        for field, info in Settings.model_fields.items()
    }


_ALLOWED: dict[str, tuple[str, str]] = {
    "top": (f"a whole number from 1 to {MAX_TOP}", f"from 1 to {MAX_TOP}"),
    "discord_guild_id": ("a server id (a whole number)",) * 2,
    "ask_channels": ("channel ids (whole numbers) separated by commas or spaces",) * 2,
    "announce_channel": ("a channel id (a whole number)", "a channel id above 0"),
    "answer_dms": ("true or false",) * 2,
    "admin_users": ("user ids (whole numbers) separated by commas or spaces",) * 2,
    "cooldown_rate": ("a whole number, 1 or more", "1 or more"),
    "cooldown_seconds": ("a number of seconds above 0", "above 0"),
    "view_timeout": ("a number of seconds above 0", "above 0"),
    "retention_days": (
        f"a whole number of days from 1 to {MAX_RETENTION_DAYS:,}",
        f"from 1 to {MAX_RETENTION_DAYS:,}",
    ),
    "message_content": ("true or false",) * 2,
    "shard_count": ("a whole number of shards, 1 or more", "1 or more"),
    "shard_ids": (
        "shard ids from 0 to COVERAGE_BOT_SHARD_COUNT - 1 (which must be set), separated by "
        "commas or spaces",
    )
    * 2,
    "log_level": ("DEBUG, INFO, WARNING or ERROR",) * 2,
    "semantic": ("true or false",) * 2,
    "answer_check": ("true or false",) * 2,
    "feeds": ("http(s) feed addresses separated by commas or spaces",) * 2,
    "feed_interval": (
        f"a number of seconds from {MIN_FEED_INTERVAL:g} to {MAX_FEED_INTERVAL:g}",
        f"from {MIN_FEED_INTERVAL:g} to {MAX_FEED_INTERVAL:g}",
    ),
    "decline_threshold": (
        f"a number from 0 to {MAX_EVIDENCE:g} (see coverage-bot evaluate --calibrate)",
    )
    * 2,
}
"""What each setting that can be wrong accepts: any value of its kind, and the range a
number of the right kind must fall in."""
_RANGE_ERRORS = frozenset({"greater_than", "greater_than_equal", "less_than", "less_than_equal"})
_LONGEST_QUOTED = 40


def _quoted(value: object) -> str:
    """The value as given: a number as it is, anything else in quotes, cut short so the
    message stays one line."""
    text = str(value)
    try:
        float(text)
    except ValueError:
        pass
    else:
        if len(text) <= _LONGEST_QUOTED:
            return text
    return repr(text if len(text) <= _LONGEST_QUOTED else text[:_LONGEST_QUOTED] + "…")


def _plain_message(error: ErrorDetails) -> str:
    """``COVERAGE_BOT_TOP must be from 1 to 20, not 25``, as ``--top`` says it."""
    loc = str(error["loc"][0])
    names = setting_names()
    field = next((f for f, name in names.items() if loc in (f, name)), loc)
    name = names.get(field, loc)
    if field not in _ALLOWED:
        return f"{name}: {error['msg']}"
    any_value, in_range = _ALLOWED[field]
    allowed = in_range if error["type"] in _RANGE_ERRORS else any_value
    return f"{name} must be {allowed}, not {_quoted(error['input'])}"


def _env_file_lines() -> tuple[list[str], list[int]]:
    """The names .env sets and the numbers of its lines that set nothing (not ``NAME=value``,
    a comment or blank), or SettingsError when it cannot be read as text."""
    if not ENV_FILE.exists() or ENV_FILE.is_dir():  # python-dotenv reads no folder either
        return [], []
    if ENV_FILE.is_fifo():  # python-dotenv would wait for a writer for ever
        raise SettingsError(f"{ENV_FILE.absolute()} is a pipe, not a file")
    try:
        raw = read_file(ENV_FILE)  # a device is refused: /dev/zero would never end
        text = raw.decode(ENV_ENCODING)
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise SettingsError(
            f"{ENV_FILE.absolute()} is not UTF-8 text (line {line}); save it as UTF-8"
        ) from error
    except OSError as error:
        raise SettingsError(f"cannot read {ENV_FILE.absolute()}: {error.strerror}") from error
    bindings = list(parse_stream(io.StringIO(text)))
    # A bare name (no "=") sets nothing either: python-dotenv reads it as a name with no
    # value, its blank lines before it included in what it read.
    unread = [
        b.original.line + len(b.original.string) - len(b.original.string.lstrip("\n"))
        for b in bindings
        if b.error or (b.key and b.value is None)
    ]
    return [b.key for b in bindings if b.key], unread


def _meant_as_ours(key: str) -> bool:
    """Whether a name is one of ours misspelled in its prefix (``COVERAG_BOT_TOP``,
    ``COVERAGEBOT_TOP``, ``COVERAGE-BOT-TOP``) or spelled right; other programs' names,
    ``COVERAGE_FILE`` (coverage.py's) among them, are not."""
    name = key.upper().replace("-", "_")
    head = name[: len(ENV_PREFIX)]
    return "BOT" in name and difflib.SequenceMatcher(None, head, ENV_PREFIX).ratio() >= 0.8


def _unknown_names(in_env_file: Iterable[str]) -> Iterator[str]:
    """A warning for each name in .env, and each name in the environment meant as one of
    ours, that is not a setting but is close to one: it is ignored, and most often a typo."""
    # populate_by_name: a Discord setting is also read under our prefix and its field's
    # name (COVERAGE_BOT_DISCORD_TOKEN), so that name is no typo.
    known = [
        *setting_names().values(),
        *(ENV_PREFIX + field.upper() for field in Settings.model_fields),
    ]
    sources = (
        (".env", in_env_file),
        ("environment", (key for key in os.environ if _meant_as_ours(key))),
    )
    for where, keys in sources:
        for key in keys:
            if key.upper() in known:
                continue
            # Other programs' names (DATABASE_URL) are only ours with our prefix, or nearly.
            ours = _meant_as_ours(key)
            candidates = [name for name in known if ours == name.startswith(ENV_PREFIX)]
            spelled = key.upper().replace("-", "_")
            for close in difflib.get_close_matches(spelled, candidates, n=1):
                yield f"{where}: {key} is not a setting and is ignored; did you mean {close}?"


def load_settings() -> Settings:
    """The settings, or SettingsError naming the first bad one. Names that are not
    settings are printed as warnings on stderr, and the run goes on."""
    names, unread = _env_file_lines()
    for line in unread:
        print(f"warning: {ENV_FILE}:{line}: not NAME=value, so ignored", file=sys.stderr)
    for warning in _unknown_names(names):
        print(f"warning: {warning}", file=sys.stderr)
    # python-dotenv would report those lines again, in words of its own.
    logging.getLogger("dotenv.main").setLevel(logging.ERROR)
    try:
        return Settings()
    except ValidationError as error:
        raise SettingsError(_plain_message(error.errors()[0])) from error
