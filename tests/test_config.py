"""Settings a newcomer cannot trip over: a blank one is the default, a bad one is one plain
line naming what is allowed, a misspelt one is a warning, and .env is read as people save it."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

import bot.config
from bot.cli import main
from bot.config import Settings, SettingsError, load_settings, setting_names

EXAMPLE = Path(__file__).resolve().parent.parent / ".env.example"
MISSILES = "How many missiles did Iran launch?"
DEFAULTS = Settings.model_construct()
"""Every field at its default, without reading the environment or .env."""


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No developer's .env or settings leak into these tests."""
    monkeypatch.chdir(tmp_path)
    for name in os.environ:
        if name.upper().startswith(("COVERAGE_BOT_", "DISCORD_")):
            monkeypatch.delenv(name)


def env_file(*lines: str) -> None:
    Path(".env").write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


ALL_NAMES = sorted(setting_names().values())


@pytest.mark.parametrize("name", ALL_NAMES)
@pytest.mark.parametrize("where", ["environment", ".env"])
def test_every_setting_left_blank_is_its_default(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], name: str, where: str
) -> None:
    if where == "environment":
        monkeypatch.setenv(name, "")
    else:
        env_file(f"{name}=")
    assert load_settings() == DEFAULTS
    assert capsys.readouterr().err == ""


def test_blank_values_of_every_kind_at_once_are_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    env_file(*(f"{name}=" for name in ALL_NAMES), 'COVERAGE_BOT_TOP="  "', "DISCORD_GUILD_ID")
    monkeypatch.setenv("COVERAGE_BOT_LOG_LEVEL", "   ")
    assert load_settings() == DEFAULTS


def test_a_blank_setting_in_the_environment_leaves_the_one_in_env_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env_file("COVERAGE_BOT_TOP=5")
    monkeypatch.setenv("COVERAGE_BOT_TOP", "")
    assert load_settings().top == 5


def test_a_blank_guild_id_as_env_example_invites_starts_asking(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    env_file("DISCORD_GUILD_ID=", "COVERAGE_BOT_ANSWER_DMS=")
    monkeypatch.setenv("COVERAGE_BOT_TOP", "")
    code, out, err = run(capsys, "ask", MISSILES)
    assert (code, err) == (0, "")
    assert "ballistic missiles" in out


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("COVERAGE_BOT_TOP", "25", "COVERAGE_BOT_TOP must be from 1 to 20, not 25"),
        ("COVERAGE_BOT_TOP", "0", "COVERAGE_BOT_TOP must be from 1 to 20, not 0"),
        (
            "COVERAGE_BOT_TOP",
            "three",
            "COVERAGE_BOT_TOP must be a whole number from 1 to 20, not 'three'",
        ),
        (
            "COVERAGE_BOT_TOP",
            "2.5",
            "COVERAGE_BOT_TOP must be a whole number from 1 to 20, not 2.5",
        ),
        (
            "COVERAGE_BOT_ANSWER_DMS",
            "maybe",
            "COVERAGE_BOT_ANSWER_DMS must be true or false, not 'maybe'",
        ),
        (
            "COVERAGE_BOT_MESSAGE_CONTENT",
            "2",
            "COVERAGE_BOT_MESSAGE_CONTENT must be true or false, not 2",
        ),
        (
            "COVERAGE_BOT_LOG_LEVEL",
            "loud",
            "COVERAGE_BOT_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not 'loud'",
        ),
        ("COVERAGE_BOT_COOLDOWN_RATE", "0", "COVERAGE_BOT_COOLDOWN_RATE must be 1 or more, not 0"),
        (
            "COVERAGE_BOT_RETENTION_DAYS",
            "1000000000000",  # a cut-off date no date can be: the clean-up had overflowed
            "COVERAGE_BOT_RETENTION_DAYS must be from 1 to 36,500, not 1000000000000",
        ),
        (
            "COVERAGE_BOT_COOLDOWN_RATE",
            "lots",
            "COVERAGE_BOT_COOLDOWN_RATE must be a whole number, 1 or more, not 'lots'",
        ),
        (
            "COVERAGE_BOT_COOLDOWN_SECONDS",
            "-1",
            "COVERAGE_BOT_COOLDOWN_SECONDS must be above 0, not -1",
        ),
        (
            "COVERAGE_BOT_VIEW_TIMEOUT",
            "10m",
            "COVERAGE_BOT_VIEW_TIMEOUT must be a number of seconds above 0, not '10m'",
        ),
        (
            "DISCORD_GUILD_ID",
            "my server",
            "DISCORD_GUILD_ID must be a server id (a whole number), not 'my server'",
        ),
        (
            "COVERAGE_BOT_ASK_CHANNELS",
            "123, general",
            "COVERAGE_BOT_ASK_CHANNELS must be channel ids (whole numbers) separated by commas "
            "or spaces, not 'general'",
        ),
        (
            "COVERAGE_BOT_ANNOUNCE_CHANNEL",
            "-1",
            "COVERAGE_BOT_ANNOUNCE_CHANNEL must be a channel id above 0, not -1",
        ),
        (
            "DISCORD_GUILD_ID",
            "x" * 100,
            f"DISCORD_GUILD_ID must be a server id (a whole number), not '{'x' * 40}…'",
        ),
    ],
)
@pytest.mark.parametrize("where", ["environment", ".env"])
def test_a_bad_setting_is_one_plain_line_naming_what_is_allowed(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    where: str,
    name: str,
    value: str,
    message: str,
) -> None:
    if where == "environment":
        monkeypatch.setenv(name, value)
    else:
        env_file(f"{name}={value}")
    assert run(capsys, "ask", MISSILES) == (2, "", f"coverage-bot: {message}\n")


def test_the_setting_and_the_option_say_the_same_about_top(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, _, from_option = run(capsys, "ask", MISSILES, "--top", "25")
    monkeypatch.setenv("COVERAGE_BOT_TOP", "25")
    _, _, from_setting = run(capsys, "ask", MISSILES)
    assert from_setting == from_option.replace("--top", "COVERAGE_BOT_TOP")


def test_a_level_in_any_case_is_still_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COVERAGE_BOT_LOG_LEVEL", " warning ")
    assert load_settings().log_level == "WARNING"


def test_a_misspelt_name_in_env_file_is_a_warning_and_the_run_goes_on(
    capsys: pytest.CaptureFixture[str],
) -> None:
    env_file("COVERAGE_BOT_TOPP=1", "DISCORD_GUILD=123", "COVERAGE_BOT_LOG_LEVEL=INFO")
    code, out, err = run(capsys, "ask", MISSILES, "--json")
    assert code == 0
    assert err == (
        "warning: .env: COVERAGE_BOT_TOPP is not a setting and is ignored; "
        "did you mean COVERAGE_BOT_TOP?\n"
        "warning: .env: DISCORD_GUILD is not a setting and is ignored; "
        "did you mean DISCORD_GUILD_ID?\n"
    )
    assert len(json.loads(out)["results"]) == 3  # the default top, not the misspelt 1


def test_a_misspelt_name_in_the_environment_is_a_warning_too(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COVERAGE_BOT_LOGLEVEL", "DEBUG")
    assert load_settings().log_level == "INFO"
    assert capsys.readouterr().err == (
        "warning: environment: COVERAGE_BOT_LOGLEVEL is not a setting and is ignored; "
        "did you mean COVERAGE_BOT_LOG_LEVEL?\n"
    )


def test_a_slip_in_the_prefix_is_caught_in_env_file_and_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    env_file("COVERAG_BOT_TOP=1", "COVERAGEBOT_TOP=2", "COVERAGE-BOT-TOP=2")
    monkeypatch.setenv("COVERAG_BOT_LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("COVERAGE_FILE", ".coverage")  # coverage.py's, not a slip of ours
    settings = load_settings()
    assert (settings.top, settings.log_level) == (3, "INFO")
    meant = "did you mean COVERAGE_BOT_TOP?\n"
    assert capsys.readouterr().err == (
        f"warning: .env: COVERAG_BOT_TOP is not a setting and is ignored; {meant}"
        f"warning: .env: COVERAGEBOT_TOP is not a setting and is ignored; {meant}"
        f"warning: .env: COVERAGE-BOT-TOP is not a setting and is ignored; {meant}"
        "warning: environment: COVERAG_BOT_LOG_LEVEL is not a setting and is ignored; "
        "did you mean COVERAGE_BOT_LOG_LEVEL?\n"
    )


def test_a_discord_setting_under_our_prefix_is_read_without_a_warning(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """It is read (the field's name with our prefix), so calling it a typo that is
    ignored, and suggesting COVERAGE_BOT_SHARD_COUNT, was wrong."""
    env_file("COVERAGE_BOT_DISCORD_GUILD_ID=123")
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.setenv("COVERAGE_BOT_DISCORD_TOKEN", "secret")
    settings = load_settings()
    assert settings.discord_token is not None
    assert settings.discord_token.get_secret_value() == "secret"
    assert settings.discord_guild_id == 123
    assert capsys.readouterr().err == ""


def test_a_line_of_env_file_that_sets_nothing_is_one_warning_in_our_words(
    capsys: pytest.CaptureFixture[str],
) -> None:
    env_file(
        "COVERAGE_BOT_TOP=4",
        "this line is garbage",
        "# a comment",
        "",
        "COVERAGE_BOT_COOLDOWN_RATE",
    )
    assert load_settings().top == 4  # a bare name (no "=") sets nothing either
    assert capsys.readouterr().err == (
        "warning: .env:2: not NAME=value, so ignored\nwarning: .env:5: not NAME=value, so ignored\n"
    )


def test_names_of_other_programs_in_env_file_pass_without_a_word(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    env_file("DATABASE_URL=postgres://localhost/news", "coverage_bot_top=4", "EDITOR=vim")
    monkeypatch.setenv("LANGUAGE", "en")
    assert load_settings().top == 4
    assert capsys.readouterr().err == ""


def test_an_env_file_that_is_not_utf8_is_one_line_naming_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    Path(".env").write_bytes(b"COVERAGE_BOT_TOP=3\n\xff\xfe x\n")
    code, out, err = run(capsys, "ask", MISSILES)
    assert (code, out) == (2, "")
    assert (
        err == f"coverage-bot: {tmp_path / '.env'} is not UTF-8 text (line 2); save it as UTF-8\n"
    )


def test_an_env_file_that_is_a_pipe_is_one_line_not_a_wait_for_ever(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    os.mkfifo(".env")  # reading it would wait for a writer
    code, out, err = run(capsys, "ask", MISSILES)
    assert (code, out) == (2, "")
    assert err == f"coverage-bot: {tmp_path / '.env'} is a pipe, not a file\n"


def test_an_env_file_that_cannot_be_read_is_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env_file("COVERAGE_BOT_TOP=3")

    def refused(path: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(bot.config, "read_file", refused)
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert str(error.value) == f"cannot read {tmp_path / '.env'}: Permission denied"


def test_an_env_file_saved_with_a_byte_order_mark_is_read(
    capsys: pytest.CaptureFixture[str],
) -> None:
    Path(".env").write_text("COVERAGE_BOT_TOP=7\n", encoding="utf-8-sig")
    assert load_settings().top == 7
    assert capsys.readouterr().err == ""


def test_env_example_copied_as_it_ships_loads_the_defaults(
    capsys: pytest.CaptureFixture[str],
) -> None:
    Path(".env").write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    assert load_settings() == DEFAULTS
    assert capsys.readouterr().err == ""


def test_every_example_in_env_example_is_a_setting_with_a_valid_value(
    capsys: pytest.CaptureFixture[str],
) -> None:
    example = EXAMPLE.read_text(encoding="utf-8")
    uncommented = re.sub(r"^# ([A-Z_]+=)", r"\1", example, flags=re.MULTILINE)
    Path(".env").write_text(uncommented, encoding="utf-8")
    settings = load_settings()
    assert capsys.readouterr().err == ""
    assert settings.discord_guild_id == 123456789012345678
    names = set(re.findall(r"^(?:# )?([A-Z_]+)=", example, flags=re.MULTILINE))
    assert names == set(ALL_NAMES)
