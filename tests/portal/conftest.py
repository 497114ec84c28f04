"""Fixtures of the portal tests: the hub on SQLite only, and headless Chromium for the browser tests.

The portal is tested, not the hub's store (whose tests run on both databases), so the hub here runs on
SQLite alone. The browser is Debian's chromium, driven by Playwright for Python with the system binary
(never a downloaded browser build): when it is missing the set-up installs it with apt-get as root;
elsewhere the browser tests skip, saying why, except under CI=true, where that is a failure.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Screenshots of the browser tests: test artefacts, ignored by git (PORTAL_ARTIFACTS moves them).
ARTIFACTS = Path(os.environ.get("PORTAL_ARTIFACTS", Path(__file__).resolve().parents[2] / "test-artifacts" / "portal"))


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The hub's database: a migrated SQLite file of this test's own."""
    path = tmp_path / "hub.sqlite3"
    shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
    return f"sqlite:///{path}"


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but the browser tests cannot run: {reason}", pytrace=False)
    pytest.skip(f"browser test skipped: {reason}")


def _install_chromium() -> str | None:
    """Install Debian's chromium when it is missing and we may; None when it is there, else why not."""
    if CHROMIUM.exists():
        return None
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return f"{CHROMIUM} is missing; install Debian's chromium (apt-get install chromium) as root"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=False, env=env, capture_output=True)
    done = subprocess.run(
        ["apt-get", "install", "-y", "-qq", "chromium"], check=False, env=env, capture_output=True, text=True
    )
    if done.returncode != 0 or not CHROMIUM.exists():
        return f"apt-get install chromium failed ({done.returncode}): {done.stderr.strip()[-300:]}"
    return None


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One headless Chromium for the session (Playwright, Debian's binary)."""
    if importlib.util.find_spec("playwright") is None:
        _unavailable("the Python package playwright is not installed (pip install playwright)")
    problem = _install_chromium()
    if problem:
        _unavailable(problem)
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - only once we know it is installed

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def artifacts(request: pytest.FixtureRequest) -> Path:
    folder = ARTIFACTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    return folder
