"""How a callback ended, through the real gateway and Redis: only a customer reached counts as done (in
time or not); a try nobody answered puts it back in the list for another agent, the third such try closes
it as unreachable, a wrong number is closed; those are counted apart in ``/v1/stats`` and the agent's
figures, never as done."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from telephony.agents.callbacks import iso_now
from telephony.agents.callbacks_redis import RedisCallbacks
from tests.support.insights import InsightsWorld, insights_world, stats_since


async def _stats(w: InsightsWorld) -> dict[str, Any]:
    response = await w.agent("GET", f"/v1/stats?{stats_since()}", "szef")
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def _try(w: InsightsWorld, callback_id: str, agent: str, outcome: str) -> dict[str, Any]:
    assert (await w.agent("POST", f"/v1/callbacks/{callback_id}/claim", agent)).status_code == 200
    response = await w.agent("POST", f"/v1/callbacks/{callback_id}/close", agent, json={"outcome": outcome})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_only_a_reached_customer_is_a_callback_done(redis_url: str, tmp_path: Path) -> None:
    async with insights_world(redis_url, tmp_path) as w:
        book = RedisCallbacks(w.redis, prefix=w.prefix)
        for cb in ("cb-none", "cb-wrong", "cb-ok"):
            await book.add({"id": cb, "queue": "obsluga", "phone": "+48600100200", "summary": "oddzwonić",
                            "created_at": iso_now(), "channel": "phone"})  # fmt: skip

        first = await _try(w, "cb-none", "anna", "no_answer")
        assert (first["closed"], first["status"], first["callback"]["failed_attempts"]) == (False, "pending", 1)
        pending = (await w.agent("GET", "/v1/callbacks", "bartek")).json()["callbacks"]
        assert {c["id"]: c.get("failed_attempts", 0) for c in pending}["cb-none"] == 1  # another agent may try
        assert (await _try(w, "cb-none", "bartek", "no_answer"))["status"] == "pending"
        last = await _try(w, "cb-none", "anna", "no_answer")
        assert (last["closed"], last["callback"]["outcome"], last["callback"]["failed_attempts"]) == (
            True,
            "unreachable",
            3,
        )
        assert (await _try(w, "cb-wrong", "anna", "wrong_number"))["callback"]["outcome"] == "wrong_number"

        phone = (await _stats(w))["channels"]["phone"]
        assert (phone["callbacks_done"], phone["callbacks_in_time"]) == (0, 0)
        assert (phone["callbacks_no_answer"], phone["callbacks_unreachable"], phone["callbacks_wrong_number"]) == (
            3,
            1,
            1,
        )
        assert "anna" not in (await _stats(w))["agents"]

        assert (await _try(w, "cb-ok", "anna", "resolved"))["closed"] is True
        stats = await _stats(w)
        phone = stats["channels"]["phone"]
        assert (phone["callbacks_done"], phone["callbacks_in_time"], phone["callbacks_unreachable"]) == (1, 1, 1)
        assert stats["agents"]["anna"]["callbacks_done"] == 1
        assert phone["queues"]["obsluga"]["callbacks_wrong_number"] == 1
