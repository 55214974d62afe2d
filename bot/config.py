"""Settings, read once from the environment and a ``.env`` file and validated.

Every setting is listed, with a comment, in ``.env.example``. The Discord token is a
secret: it prints as ``**********`` and is never logged.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


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


class SettingsError(ValueError):
    """A setting with a value the bot cannot use; the message names it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="COVERAGE_BOT_",
        env_file=".env",
        env_file_encoding="utf-8",
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
    cooldown_rate: int = Field(3, ge=1, description="questions a member may ask per period")
    cooldown_seconds: float = Field(30.0, gt=0, description="the cooldown period")
    view_timeout: float = Field(600.0, gt=0, description="seconds answer buttons stay live")
    state_dir: Path = Field(Path(".coverage-bot"), description="where the bot keeps its state")
    message_content: bool = Field(True, description="ask for the privileged intent")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    semantic: bool = Field(True, description="re-rank BM25's candidates by meaning")
    model: Path | None = Field(None, description="a folder with model.onnx and tokenizer.json")
    decline_threshold: float | None = Field(
        None, description="evidence below which answers are declined (evaluate --calibrate)"
    )

    @field_validator("corpus", "index", "state_dir", "model", mode="before")
    @classmethod
    def _expand_home(cls, value: object, info: ValidationInfo) -> object:
        """``~/news`` means the home folder's ``news``, as it does in a shell; a setting
        left blank (``COVERAGE_BOT_INDEX=``) is the default."""
        if isinstance(value, str) and not value.strip():
            return cls.model_fields[info.field_name].default
        return Path(value).expanduser() if isinstance(value, str | Path) else value

    @field_validator("discord_token", mode="before")
    @classmethod
    def _blank_token_is_unset(cls, value: object) -> object:
        """``DISCORD_TOKEN=`` (as .env.example ships it) is no token, as unset is."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_case_level(cls, value: object) -> object:
        """``debug`` is DEBUG: logging's level names are not case-sensitive to a reader."""
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("ask_channels", mode="before")
    @classmethod
    def _split_channel_ids(cls, value: object) -> object:
        """``123, 456`` as written in .env, as well as a list."""
        if isinstance(value, str):
            return [part for part in value.replace(",", " ").split() if part]
        return value


def load_settings() -> Settings:
    """The settings, or SettingsError naming the first bad one."""
    try:
        return Settings()
    except ValidationError as error:
        first = error.errors()[0]
        field = str(first["loc"][0])  # DISCORD_* settings are named by their alias already
        name = field if field.isupper() else f"COVERAGE_BOT_{field.upper()}"
        raise SettingsError(f"{name}: {first['msg']}") from error
