"""Settings, read once from the environment and a ``.env`` file and validated.

Every setting is listed, with a comment, in ``.env.example``.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

BUNDLED_CORPUS = Path(__file__).resolve().parent.parent / "corpus"


class SettingsError(ValueError):
    """A setting with a value the bot cannot use; the message names it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="COVERAGE_BOT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    corpus: Path = Field(BUNDLED_CORPUS, description="folder or file of coverage to load")
    top: int = Field(3, ge=1, le=20, description="ranked passages an answer lists, best first")


def load_settings(**overrides: object) -> Settings:
    """The settings, or SettingsError naming the first bad one."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        name = "COVERAGE_BOT_" + str(first["loc"][0]).upper()
        raise SettingsError(f"{name}: {first['msg']}") from error
