"""COVERAGE_BOT_SHARD_COUNT and COVERAGE_BOT_SHARD_IDS: read as written, refused in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import SettingsError, load_settings

IDS_WANTED = (
    "COVERAGE_BOT_SHARD_IDS must be shard ids from 0 to COVERAGE_BOT_SHARD_COUNT - 1 "
    "(which must be set), separated by commas or spaces, not "
)


@pytest.fixture(autouse=True)
def _here(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)


def test_shards_are_read_as_written(monkeypatch: pytest.MonkeyPatch) -> None:
    assert (load_settings().shard_count, load_settings().shard_ids) == (None, None)
    monkeypatch.setenv("COVERAGE_BOT_SHARD_COUNT", "4")
    monkeypatch.setenv("COVERAGE_BOT_SHARD_IDS", "2, 3")
    assert (load_settings().shard_count, load_settings().shard_ids) == (4, (2, 3))


@pytest.mark.parametrize(
    ("count", "ids", "said"),
    [
        ("0", None, "COVERAGE_BOT_SHARD_COUNT must be 1 or more, not 0"),
        ("2", "0, 2", IDS_WANTED + "'0, 2'"),
        (None, "1", IDS_WANTED),
    ],
)
def test_shard_ids_outside_the_count_are_refused(
    monkeypatch: pytest.MonkeyPatch, count: str | None, ids: str | None, said: str
) -> None:
    for name, value in (("COVERAGE_BOT_SHARD_COUNT", count), ("COVERAGE_BOT_SHARD_IDS", ids)):
        if value is not None:
            monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as refused:
        load_settings()
    assert str(refused.value).startswith(said)
