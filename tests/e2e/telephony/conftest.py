"""Fixtures of the telephony tests in this folder."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.console_servers import browser_missing, start_browser
from tests.support.transfer import envs, setup  # noqa: F401  (fixtures: a warm-transfer world per test)


@pytest.fixture
def browser() -> Iterator[Any]:
    """Headless Debian chromium through selenium; a missing browser fails (``make test`` installs it)."""
    reason = browser_missing()
    if reason:
        pytest.fail(reason)
    driver, profile = start_browser()
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
