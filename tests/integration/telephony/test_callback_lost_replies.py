"""An agent claims or closes a callback and Redis applies it, but the reply is lost (the connection broke, or the
master died after replicating it): redis-py sends the script again, which found the callback already claimed or
closed by this very request. Before: the claim answered 409 "taken" („To oddzwonienie przejął już ktoś inny.”)
while the callback stayed claimed by that agent, so the one who should call did not and nobody else could: a
callback lost until a supervisor noticed; the close answered 409 "not yours" for a close it had made.

Real parts: the whole gateway over a real redis-server behind a proxy that loses exactly one reply
(``tests/support/redis_proxy.py``), the agents' JSON API over HTTP.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from telephony.agents.callbacks import iso_now
from telephony.devtools.faults_world import CALLER
from tests.support.outage import bearer, proxied_gateway
from tests.support.redis import RedisServer, own_redis  # noqa: F401  (fixture)
from tests.support.redis_proxy import LoseOneReply

CALLBACK = {"id": "cb-lost", "queue": "reklamacje", "phone": CALLER, "summary": "Czajnik.", "channel": "phone"}


@pytest.mark.parametrize("outcome", ["resolved", "no_answer"])
async def test_a_claim_and_a_close_whose_replies_were_lost_answer_what_they_did(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
    outcome: str,
) -> None:
    proxy = LoseOneReply("127.0.0.1", own_redis.port, reply=b"$2\r\nok")  # the claim's 'ok'
    async with proxied_gateway(proxy, tmp_path, agent_status="available") as w:
        callbacks = w.gateway.transfer.agents.callbacks  # type: ignore[union-attr]
        await callbacks.add({**CALLBACK, "created_at": iso_now(), "status": "pending"})
        proxy.dropped = False
        claimed = await w.http.post(f"{w.base}/v1/callbacks/cb-lost/claim", headers=bearer("anna"))
        assert proxy.dropped and claimed.status_code == 200, claimed.text  # was: 409 taken, by herself
        stored = await callbacks.get("cb-lost")
        assert stored is not None and stored["status"] == "claimed" and stored["claimed_by"] == "anna"

        proxy.reply, proxy.dropped = (b"$2\r\nok" if outcome == "resolved" else b"$5\r\nretry"), False
        closed = await w.http.post(
            f"{w.base}/v1/callbacks/cb-lost/close", json={"outcome": outcome}, headers=bearer("anna")
        )
        assert proxy.dropped and closed.status_code == 200, closed.text  # was: 409 not yours
        stored = await callbacks.get("cb-lost")
        assert stored is not None
        if outcome == "resolved":
            assert stored["status"] == "closed" and stored["outcome"] == "resolved"
        else:  # back on the list, the try counted once
            assert stored["status"] == "pending" and stored["failed_attempts"] == 1
