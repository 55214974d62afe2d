"""A server that set nothing gets the operator's environment settings; a server's own
values are checked against the same ranges."""

from __future__ import annotations

from bot.config import Settings
from bot.state.guild_config import GuildConfig, defaults_from, range_error


def test_a_servers_defaults_are_the_environments_settings() -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, ask_channels="5, 6", cooldown_rate=2, cooldown_seconds=10, top=7
    )
    assert defaults_from(settings) == GuildConfig(
        ask_channels=frozenset({5, 6}),
        threads=False,
        cooldown_rate=2,
        cooldown_seconds=10.0,
        results=7,
        announce_channel=None,
        feedback=True,
    )


def test_a_servers_values_have_the_environments_ranges_within_the_bots_bounds() -> None:
    assert range_error("results", 21) == "The number of results must be from 1 to 20, not 21."
    assert range_error("results", 20) is None
    assert range_error("cooldown_seconds", float("inf")) == (
        "The cooldown period must be from 1 to 86400 seconds, not inf."
    )
    assert range_error("results", None) is None  # back to the default
