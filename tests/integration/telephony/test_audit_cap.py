"""The audit log page (``/agents/audit``) and ``GET /v1/audit`` looking for a rare agent among many reads: the
real gateway over real HTTP and a real Redis filled with more than two scan caps of entries. Each request reads
at most ``SCAN_CAP`` entries (it used to walk the whole 90-day stream), says it stopped, and links on."""

from __future__ import annotations

import html
import re
from pathlib import Path

import httpx

from telephony.agents.audit import SCAN_CAP, TranscriptAudit
from tests.support.access import agent, gateways, key, settings_for
from tests.support.agents import redis_client, token_of

AGENTS = [agent("anna", ["obsluga"]), agent("bob", ["obsluga"]), agent("szef", ["obsluga"], "supervisor")]
OLDER = re.compile(r'href="([^"]*)" id="audit-older"')


async def _fill(audit: TranscriptAudit, bob: int) -> list[str]:
    """Two reads of anna's (the oldest), then ``bob`` of bob's; every stream id, newest first."""
    async with audit.redis.pipeline(transaction=False) as pipe:
        for who, n in (("anna", 2), ("bob", bob)):
            for i in range(n):
                fields = {"at": "2026-12-07T05:00:00+00:00", "agent": who, "kind": "history", "id": f"{who}-{i}"}
                pipe.xadd(audit.stream, fields)
        return [str(i) for i in await pipe.execute()][::-1]


async def test_a_rare_agent_s_reads_are_searched_a_capped_stretch_at_a_time(redis_url: str, tmp_path: Path) -> None:
    settings = settings_for(redis_url, tmp_path, AGENTS)
    audit = TranscriptAudit(redis_client(redis_url), prefix=settings.redis_prefix)
    newest_first = await _fill(audit, 2 * SCAN_CAP + 100)
    with gateways(settings) as (url,), httpx.Client(base_url=url, timeout=60) as browser:
        assert browser.post("/agents/login", data={"token": token_of("szef")}).status_code == 303
        first = browser.get("/agents/audit", params={"agent": "anna"})
        assert first.status_code == 200 and 'id="audit-capped"' in first.text
        assert f"po przejrzeniu {SCAN_CAP} najnowszych wpisów" in first.text and 'class="audit-row' not in first.text
        assert "W przejrzanych wpisach nie ma odczytów tego konsultanta" in first.text  # not "never read any"
        older = html.unescape(OLDER.findall(first.text)[0])
        assert older == f"/agents/audit?agent=anna&before={newest_first[SCAN_CAP - 1]}"
        second = browser.get(older)
        assert 'id="audit-capped"' in second.text and 'id="audit-newest"' in second.text
        third = browser.get(html.unescape(OLDER.findall(second.text)[0]))
        assert third.status_code == 200 and 'id="audit-capped"' not in third.text and not OLDER.findall(third.text)
        assert re.findall(r"<code>([^<]*)</code>", third.text) == ["anna-1", "anna-0"]
        everyone = browser.get("/agents/audit")  # unfiltered: the newest page, with a way further back
        assert everyone.text.count('class="audit-row"') == 200 and "Starsze odczyty" in everyone.text
        api = httpx.get(f"{url}/v1/audit", params={"agent": "anna"}, headers=key(token_of("szef")), timeout=60)
        assert api.json() == {"entries": [], "older": newest_first[SCAN_CAP - 1], "capped": True}
        for cursor in ("+", "0-0", "99999999999999999999-0"):  # not a stream id, or one Redis refuses (was a 500)
            bad = httpx.get(f"{url}/v1/audit", params={"before": cursor}, headers=key(token_of("szef")), timeout=60)
            assert bad.status_code == 422, cursor
    await audit.redis.delete(audit.stream)
    await audit.redis.aclose()
