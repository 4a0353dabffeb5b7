"""Fixtures of the browser tests: Debian's Chromium driven by Playwright, one launch a session.

Playwright's own browser download is never used (machines here and many CI networks cannot fetch
it): the browser is `/usr/bin/chromium` from the OS packages, which `make test` installs
(`infra/stack.py chromium-install`), and which the fixture installs itself when it is missing,
the same way. Screenshots go to `test-artifacts/` at the repository root (git-ignored), or to
`ARCADIA_TEST_ARTIFACTS` when set, where CI can keep them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from arcadia_testing.plugin import ROOT

if TYPE_CHECKING:
    from playwright.async_api import Browser

CHROMIUM = Path("/usr/bin/chromium")


def chromium_path() -> Path:
    """The installed Chromium, installed first when missing (as root, from the OS packages)."""
    if not CHROMIUM.exists():
        subprocess.run(
            [sys.executable, str(ROOT / "infra" / "stack.py"), "chromium-install"], check=True
        )
    return CHROMIUM


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Where tests keep what a person should look at afterwards (screenshots)."""
    folder = Path(os.environ.get("ARCADIA_TEST_ARTIFACTS") or ROOT / "test-artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    """One headless Chromium for the whole session; each test opens its own context."""
    from playwright.async_api import async_playwright

    executable = chromium_path()
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(executable),
            headless=True,
            # root in a container: Chromium's sandbox needs user namespaces it may not have
            args=["--no-sandbox", "--disable-dev-shm-usage"],
        )
        try:
            yield launched
        finally:
            await launched.close()
