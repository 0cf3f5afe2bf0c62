"""A browser check of the console's ringing card: its „czekał(a) …” counts on while the phone rings, in
the page itself. It was drawn once at render and stood still at „0 s” however long the phone rang."""

from __future__ import annotations

import re
from typing import Any

from selenium.webdriver.support.ui import WebDriverWait

READ = "return document.getElementById('transfer-waited').textContent.trim();"
MARK = "window.ringingCard = document.getElementById('transfer');"  # a re-render would replace the card
SAME = "return window.ringingCard === document.getElementById('transfer');"


def the_wait_ticks(driver: Any, wait: WebDriverWait) -> None:
    """Waits for the text to change (a condition, not a sleep), then checks the card was not re-drawn: the
    page counted it from the wait's start the server sent, not a new render with a new number."""
    driver.execute_script(MARK)
    first = driver.execute_script(READ)
    assert re.fullmatch(r"czekał\(a\) \d+ s", first), first
    wait.until(lambda d: d.execute_script(READ) != first)
    assert re.fullmatch(r"czekał\(a\) \d+ s", driver.execute_script(READ))
    assert driver.execute_script(SAME), "the card was re-rendered: the page did not count the wait itself"
