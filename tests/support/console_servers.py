"""Two real gateway processes (the product app, ``telephony.app.workers:app_from_env``, speech off) over
the suite's Redis, serving the agent console, and a browser.

Shared by the console tests; kept out of the test module so the tests read as scenarios.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from telephony.agents.roster import hash_token
from tests.support.servers import Server, free_port, spawn, uvicorn_factory

AGENTS: dict[str, dict[str, Any]] = {
    "anna": {"name": "Anna Nowak", "token": "anna-Tajny-Token-7f3a9c", "queues": ["obsluga", "reklamacje"]},
    "bartek": {"name": "Bartek Wiśniewski", "token": "bartek-Token-42c1e8", "queues": ["obsluga"]},
}
# The operator the console workers serve (INFOLINIA_BRAND_NAME): long, with characters HTML must escape.
BRAND = "Sieć Nadwiślańska & <Syn> Usługi Telekomunikacyjne"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
BROWSER_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1366,1000",
    "--lang=pl-PL",
)


def write_roster(path: Path) -> Path:
    agents = [
        {
            "id": aid,
            "name": a["name"],
            "contact": "+48221112233",
            "queues": a["queues"],
            "token_sha256": hash_token(a["token"]),
        }
        for aid, a in AGENTS.items()
    ]
    path.write_text(yaml.safe_dump({"agents": agents}, allow_unicode=True), encoding="utf-8")
    return path


def start_server(env: dict[str, str], log: Path, port: int = 0) -> Server:
    """A gateway process as ``infolinia serve --workers`` runs each worker, configured by ``env``."""
    port = port or free_port()
    return spawn(uvicorn_factory("telephony.app.workers:app_from_env", port, log_level="info"), port, env, log)


def browser_missing() -> str | None:
    """Why no browser test can run here, or None. ``make test`` installs both Debian packages."""
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not Path(p).exists()]
    if missing:
        return (
            f"{', '.join(missing)} not found: the console tests need Debian's chromium and chromedriver. "
            "Install them with `apt-get install -y chromium chromium-driver` (`make test` does this as root)."
        )
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed in the virtualenv: pip install selenium (make setup installs it)"
    return None


def start_browser(extra_flags: Sequence[str] = ()) -> tuple[Any, str]:
    """Headless Debian chromium through /usr/bin/chromedriver (never a downloaded browser or driver);
    ``extra_flags`` e.g. a WAV file as the microphone (the playground test)."""
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must not go looking online
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="infolinia-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*BROWSER_FLAGS, *extra_flags, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    except Exception:
        shutil.rmtree(profile, ignore_errors=True)
        raise
    driver.set_page_load_timeout(20)
    return driver, profile


@contextmanager
def browser_session() -> Iterator[Any]:
    """``start_browser`` for a fixture: fails the test naming what to install, quits and cleans up after."""
    import pytest

    if reason := browser_missing():
        pytest.fail(reason, pytrace=False)
    driver, profile = start_browser()
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
