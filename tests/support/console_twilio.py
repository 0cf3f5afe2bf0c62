"""The world around the console test's two gateway processes: Twilio, and the worker a call is on.

The console servers are the product app (``telephony.app.workers:app_from_env``, speech off), so an agent
going available rings a waiting caller through the product's ``WarmTransfer.dispatch``. What they need
from outside is played here, in a background event loop of the test process:

* Twilio's REST API: ``TwilioStandin`` records the redirect of the caller and the agent's call;
* the worker whose media stream took the call: ``build_gateway`` from the same settings, whose
  ``WarmTransfer.start`` queues the caller (as the call pipeline does when the dialog says "transfer");
* Twilio's callbacks to worker A, signed: the agent answering and pressing 1, the room ending.

Only a pending callback and a raw console event are written straight through the product's own
``CallbackRepo`` and ``EventBus`` (a callback's product path is a caller accepting the offer by phone).
"""

from __future__ import annotations

import asyncio
import threading
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Coroutine
from typing import Any, TypeVar

import httpx
from twilio.request_validator import RequestValidator

from dialog.ports import CallerInfo, Outcome, Transfer
from telephony.agents.events import CALLBACK_NEW, ConsoleEvent
from telephony.app.build import Gateway, build_gateway
from telephony.call.deps import CallContext
from telephony.devtools.twilio_standin import RestRequest, TwilioStandin
from telephony.settings import Settings
from tests.support.transfer import NoChannel

T = TypeVar("T")
ACCOUNT = "AC" + "5" * 32
AUTH = "console-twilio-token-0123456789"
CALLED = "+48221234567"


def gateway_env(settings: Settings) -> dict[str, str]:
    """The ``INFOLINIA_*`` environment that gives a worker process exactly ``settings``."""
    names = ("redis_url", "redis_prefix", "agents_path", "public_url", "twilio_account_sid", "twilio_auth_token",
             "twilio_api_base", "twilio_number", "business_hours", "fallback_number")  # fmt: skip
    env = {f"INFOLINIA_{n.upper()}": str(getattr(settings, n)) for n in names}
    return {**env, "INFOLINIA_SPEECH": "false", "INFOLINIA_LOG_JSON": "false", "INFOLINIA_LOG_LEVEL": "INFO"}


class TwilioSide:
    """Twilio and the calling worker, on an event loop of their own (the console tests are synchronous)."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self.twilio = TwilioStandin(ACCOUNT, AUTH)
        self.api_base = self.run(self.twilio.start())
        self.gateway: Gateway | None = None

    def run(self, coro: Coroutine[Any, Any, T], timeout_s: float = 30.0) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout_s)

    def settings(self, redis_url: str, prefix: str, roster: str, public_url: str) -> Settings:
        return Settings(
            redis_url=redis_url,
            redis_prefix=prefix,
            agents_path=roster,
            public_url=public_url,
            twilio_account_sid=ACCOUNT,
            twilio_auth_token=AUTH,
            twilio_api_base=self.api_base,
            twilio_number=CALLED,
            business_hours="pn-nd 0:00-24:00, święta 0:00-24:00",  # open whenever the suite runs
            fallback_number="+48220000000",
            speech=False,
        )

    def start_worker(self, settings: Settings) -> None:
        """The calling worker: the product's composition root over the same Redis and roster."""

        async def build() -> Gateway:
            return build_gateway(settings)

        self.gateway = self.run(build())
        self.public_url = settings.public_url

    @property
    def _transfer(self) -> Any:
        assert self.gateway is not None and self.gateway.transfer is not None
        return self.gateway.transfer

    # --- what the call pipeline and Twilio do ----------------------------------------------------------
    def start_transfer(self, body: dict[str, Any]) -> str:
        """The dialog said "transfer": ``WarmTransfer.start`` queues the caller and rings a free agent."""
        sid = "CA" + uuid.uuid4().hex
        caller = CallerInfo("phone", body["caller"], {"to": CALLED})
        ctx = CallContext(sid, "MZ" + uuid.uuid4().hex, None, caller, body.get("transcript", []), NoChannel())
        transfer = Transfer(body["queue"], body["reason"], body.get("priority", 0), body.get("summary", ""))
        outcome = Outcome("s-" + sid, "transfer", "Łączę.", order_id=body.get("order_id"), transfer=transfer)
        return self.run(self._transfer.warm.start(ctx, outcome))

    def next_agent_call(self, timeout_s: float = 10.0) -> RestRequest:
        """The next agent leg a worker asked Twilio to create."""
        return self.run(self.twilio.next("create", timeout_s), timeout_s + 5)

    def post(self, url: str, params: dict[str, str]) -> httpx.Response:
        """A signed Twilio webhook to ``url`` (the public URL is worker A's)."""
        headers = {"X-Twilio-Signature": RequestValidator(AUTH).compute_signature(url, params)}
        response = httpx.post(url, data=params, headers=headers, timeout=10)
        assert response.status_code in (200, 204), response.text
        return response

    def agent_accepts(self, leg: RestRequest) -> None:
        """The agent's phone answers: Twilio fetches the briefing, the agent presses 1 and joins the room."""
        page = ET.fromstring(self.post(leg.get("Url"), {"CallSid": leg.call_sid, "CallStatus": "in-progress"}).text)
        gather = page.find("Gather")
        assert gather is not None, ET.tostring(page)
        joined = ET.fromstring(self.post(gather.get("action", ""), {"CallSid": leg.call_sid, "Digits": "1"}).text)
        assert joined.find("Dial/Conference") is not None, ET.tostring(joined)

    def room_ends(self, tid: str) -> None:
        """Both hung up: the conference's end event (the transfer completes, the agent goes to wrap-up)."""
        params = {"ConferenceSid": "CF" + tid, "FriendlyName": f"room-{tid}", "StatusCallbackEvent": "conference-end",
                  "SequenceNumber": "9", "AccountSid": ACCOUNT}  # fmt: skip
        self.post(f"{self.public_url}/twilio/transfer/{tid}/conference", params)

    # --- seeded straight through the product's repositories ---------------------------------------------
    def new_callback(self, body: dict[str, Any]) -> str:
        deps = self._transfer.agents

        async def add() -> str:
            callback_id = await deps.callbacks.add({"id": uuid.uuid4().hex, "status": "pending", **body})
            await deps.events.publish(ConsoleEvent(CALLBACK_NEW, None, None, {"id": callback_id}))
            return str(callback_id)

        return self.run(add())

    def publish(self, kind: str, agent_id: str | None = None, transfer_id: str | None = None) -> int:
        return self.run(self._transfer.agents.events.publish(ConsoleEvent(kind, agent_id, transfer_id, {})))

    def close(self) -> None:
        if self.gateway is not None:
            self.run(self.gateway.close())
        self.run(self.twilio.stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
