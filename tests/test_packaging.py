"""Installing: the wheel and the sdist carry the bundled coverage and the licence; `--version`."""

from __future__ import annotations

import json
import os
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
    assert answer["source"] == "axios-iranian-official-mimics-trump-tweet-2020-01-08.txt"
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
    assert f"{top}/LICENSE" in names
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
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"coverage-bot {VERSION}\n"
