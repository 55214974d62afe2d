"""Installing and deploying: the wheel and sdist carry the bundled coverage and the licence;
`--version`; the systemd unit and the Dockerfile."""

from __future__ import annotations

import configparser
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest

from bot import version as version_module
from bot.cli import main
from bot.config import BUNDLED_CORPUS

ROOT = Path(__file__).resolve().parent.parent
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
CORPUS_FILES = sorted(p.name for p in (ROOT / "corpus").iterdir())
STATE_DIR = "/var/lib/coverage-bot"
MISSILES = "How many missiles did Iran launch?"


def _python(*args: str, cwd: Path, pythonpath: Path | None = None) -> subprocess.CompletedProcess:
    """This Python, with no coverage-bot settings from the environment and none of ours."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COVERAGE_BOT_", "DISCORD_"))}
    env.pop("PYTHONPATH", None)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


def _pip(*args: str, cwd: Path) -> None:
    result = _python("-m", "pip", "--disable-pip-version-check", "-q", *args, cwd=cwd)
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel `pip install .` builds from this checkout."""
    out = tmp_path_factory.mktemp("wheel")
    _pip("wheel", "--no-deps", "--no-build-isolation", "-w", str(out), str(ROOT), cwd=out)
    return next(out.glob("coverage_bot-*.whl"))


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel installed into a folder of its own, away from the checkout."""
    site = tmp_path_factory.mktemp("site")
    _pip("install", "--no-deps", "--target", str(site), str(wheel), cwd=site)
    return site


def test_the_wheel_carries_the_bundled_coverage_in_the_package(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        for name in CORPUS_FILES:
            shipped = archive.read(f"bot/bundled_corpus/{name}")
            assert shipped == (ROOT / "corpus" / name).read_bytes()


def test_an_installed_wheel_answers_from_another_directory(installed: Path, tmp_path: Path) -> None:
    result = _python("-m", "bot", "ask", MISSILES, "--json", cwd=tmp_path, pythonpath=installed)
    assert (result.returncode, result.stderr) == (0, "")
    answer = json.loads(result.stdout)["answer"]
    assert answer["source"] == "axios-trump-says-all-is-well-2020-01-08.txt"
    assert "more than a dozen ballistic missiles" in answer["passage"]

    where = _python(
        "-c", "from bot.config import BUNDLED_CORPUS; print(BUNDLED_CORPUS)",
        cwd=tmp_path, pythonpath=installed,
    )  # fmt: skip
    assert Path(where.stdout.strip()) == installed / "bot" / "bundled_corpus"


def test_a_checkout_reads_the_repository_corpus() -> None:
    assert BUNDLED_CORPUS == ROOT / "corpus"


def test_the_sdist_ships_the_corpus_and_its_wheel_bundles_it(tmp_path: Path) -> None:
    build = "from hatchling.build import build_sdist; print(build_sdist(r'{}'))"
    result = _python("-c", build.format(tmp_path), cwd=ROOT)
    assert result.returncode == 0, result.stderr
    sdist = tmp_path / result.stdout.strip()
    top = sdist.name.removesuffix(".tar.gz")
    with tarfile.open(sdist) as archive:
        names = set(archive.getnames())
        archive.extractall(tmp_path, filter="data")
    assert {f"{top}/corpus/{name}" for name in CORPUS_FILES} <= names
    assert {f"{top}/LICENSE", f"{top}/deploy/coverage-bot.service"} <= names
    assert f"{top}/.env" not in names

    _pip("wheel", "--no-deps", "--no-build-isolation", "-w", "out", f"./{top}", cwd=tmp_path)
    with zipfile.ZipFile(next((tmp_path / "out").glob("*.whl"))) as archive:
        bundled = {n for n in archive.namelist() if n.startswith("bot/bundled_corpus/")}
    assert bundled == {f"bot/bundled_corpus/{name}" for name in CORPUS_FILES}


def test_the_wheel_carries_the_mit_licence(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        info = f"coverage_bot-{VERSION}.dist-info"
        licence = archive.read(f"{info}/licenses/LICENSE").decode()
        metadata = archive.read(f"{info}/METADATA").decode()
    assert licence.startswith("MIT License\n\nCopyright (c) 2026 the coverage-bot authors\n")
    assert "License-Expression: MIT" in metadata.splitlines()


def test_version_of_an_installed_wheel(installed: Path, tmp_path: Path) -> None:
    result = _python("-m", "bot", "--version", cwd=tmp_path, pythonpath=installed)
    assert (result.returncode, result.stdout, result.stderr) == (0, f"coverage-bot {VERSION}\n", "")


def test_version_from_a_checkout_that_was_never_installed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def not_installed(name: str) -> str:
        raise version_module.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(version_module.metadata, "version", not_installed)
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"coverage-bot {VERSION}\n"


def _unit() -> configparser.ConfigParser:
    unit = configparser.ConfigParser(interpolation=None)
    unit.optionxform = str  # type: ignore[assignment, method-assign]  # systemd keys are CamelCase
    unit.read(ROOT / "deploy" / "coverage-bot.service")
    return unit


def test_the_systemd_unit_runs_the_bot_as_its_own_user_and_restarts_on_failure() -> None:
    service = _unit()["Service"]
    program, *arguments = service["ExecStart"].split()
    assert (Path(program).name, arguments) == ("coverage-bot", ["run"])
    assert service["User"] not in {"", "root", "0"}
    assert service["EnvironmentFile"].startswith("/etc/")
    assert service["Restart"] == "on-failure"
    assert service["RestartPreventExitStatus"] == "2"  # a bad setting: restarting cannot help
    assert service["Environment"] == f"COVERAGE_BOT_STATE_DIR={STATE_DIR}"
    assert "multi-user.target" in _unit()["Install"]["WantedBy"]


def test_the_systemd_unit_can_write_only_its_state_directory() -> None:
    service = _unit()["Service"]
    assert service["NoNewPrivileges"] == "yes"
    assert service["ProtectSystem"] == "strict"
    assert service["ProtectHome"] == "yes"
    assert service["ReadWritePaths"].split() == [STATE_DIR]
    assert service["StateDirectory"] == "coverage-bot"
    assert service["CapabilityBoundingSet"] == ""


def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    """systemd's own checker, where there is one; it needs ExecStart to exist, so the
    copy it reads runs /bin/true instead."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("no systemd-analyze on this machine; the configparser tests still hold")
    text = (ROOT / "deploy" / "coverage-bot.service").read_text()
    lines = [
        "ExecStart=/bin/true run" if line.startswith("ExecStart=") else line
        for line in text.splitlines()
    ]
    unit = tmp_path / "coverage-bot.service"
    unit.write_text("\n".join(lines) + "\n")
    result = subprocess.run(
        [analyze, "verify", str(unit)], capture_output=True, text=True, check=False
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def _final_stage() -> list[tuple[str, str]]:
    """The Dockerfile's instructions after its last FROM, as (INSTRUCTION, arguments)."""
    text = (ROOT / "deploy" / "Dockerfile").read_text().replace("\\\n", " ")
    instructions = [
        (word, rest.strip())
        for word, _, rest in (line.strip().partition(" ") for line in text.splitlines())
        if word and not word.startswith("#")
    ]
    last_from = max(i for i, (word, _) in enumerate(instructions) if word == "FROM")
    return instructions[last_from:]


def test_the_image_runs_our_command_as_a_non_root_user_with_a_state_volume() -> None:
    stage = _final_stage()
    users = [rest.partition(":")[0] for word, rest in stage if word == "USER"]
    assert users and users[-1] not in {"root", "0"}
    assert json.loads(next(rest for word, rest in reversed(stage) if word == "CMD")) == [
        "coverage-bot",
        "run",
    ]
    assert json.loads(next(rest for word, rest in stage if word == "VOLUME")) == [STATE_DIR]
    env = " ".join(rest for word, rest in stage if word == "ENV")
    assert f"COVERAGE_BOT_STATE_DIR={STATE_DIR}" in env.split()


def test_the_image_copies_only_named_sources_that_exist() -> None:
    """No `COPY . .`: a developer's .env (the token) can never end up in the image."""
    text = (ROOT / "deploy" / "Dockerfile").read_text()
    sources = [
        source
        for line in text.splitlines()
        if line.startswith("COPY ") and "--from=" not in line
        for source in line.split()[1:-1]
    ]
    assert "." not in sources and ".env" not in sources
    assert {"pyproject.toml", "README.md", "LICENSE", "bot", "corpus"} <= set(sources)
    assert all((ROOT / source).exists() for source in sources)
    allowed = (ROOT / ".dockerignore").read_text().split()
    assert all(f"!{source}" in allowed or f"!{source}/" in allowed for source in sources)
