"""The REST half of the simulated Twilio: the Calls resource the gateway hangs up and transfers through.

Why: a simulated call is only faithful if the bot's "hang up" and "transfer" go where they go in
production, i.e. ``POST /2010-04-01/Accounts/{AC}/Calls/{CA}.json`` with ``Status=completed`` or
``Twiml=<Response>...<Dial>``. Point the gateway's Twilio API base at ``FakeTwilioRest.url`` and the
simulator sees both, checks the basic auth like Twilio does, and ends the stream as Twilio would.
"""

from __future__ import annotations

import asyncio
import base64
import secrets
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from telephony.devtools.local_server import Served


@dataclass(frozen=True)
class CallAction:
    """What the gateway asked Twilio to do with a call."""

    call_sid: str
    kind: str  # "hang_up" (plain, or new TwiML that says a goodbye and hangs up) | "transfer" | "twiml"
    number: str = ""  # transfer: the <Dial> number
    announcement: str = ""  # transfer: the <Say> before it; hang_up: the goodbye Twilio says first


def parse_action(call_sid: str, form: dict[str, str]) -> CallAction:
    """What a Calls-resource update asks for. New TwiML that ends in ``<Hangup/>`` without a ``<Dial>`` is a
    hang-up (``CallControl.hang_up(sid, goodbye)``: the fail-safe without a fallback number, Twilio saying the
    apology): it was read as other TwiML, and the simulator counted such a call as transferred."""
    if form.get("Status") == "completed":
        return CallAction(call_sid, "hang_up")
    twiml = form.get("Twiml", "")
    try:
        root = ET.fromstring(twiml)
    except ET.ParseError:
        return CallAction(call_sid, "twiml", announcement=twiml[:200])
    dial, say = root.findtext("Dial"), root.findtext("Say")
    if dial:
        return CallAction(call_sid, "transfer", number=dial.strip(), announcement=(say or "").strip())
    if root.find("Hangup") is not None:
        return CallAction(call_sid, "hang_up", announcement=(say or "").strip())
    return CallAction(call_sid, "twiml", announcement=(say or "").strip())


class FakeTwilioRest(Served):
    """A local Twilio Calls API on 127.0.0.1 (ephemeral port); actions arrive on ``actions``."""

    def __init__(self, account_sid: str, auth_token: str) -> None:
        self.account_sid = account_sid
        self._auth = "Basic " + base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode()
        self.actions: asyncio.Queue[CallAction] = asyncio.Queue()

    async def _update_call(self, request: Request) -> JSONResponse:
        account, call_sid = request.path_params["account"], request.path_params["call"]
        if not secrets.compare_digest(request.headers.get("authorization", ""), self._auth):
            return JSONResponse({"code": 20003, "message": "Authenticate", "status": 401}, status_code=401)
        if account != self.account_sid:
            return JSONResponse({"code": 20404, "message": "not found", "status": 404}, status_code=404)
        form = {k: str(v) for k, v in (await request.form()).items()}
        action = parse_action(call_sid, form)
        self.actions.put_nowait(action)
        status = "completed" if action.kind == "hang_up" else "in-progress"
        return JSONResponse({"sid": call_sid, "account_sid": account, "status": status})

    async def start(self) -> str:
        """Serve on a free port; returns the API base URL to give the gateway."""
        app = Starlette(
            routes=[Route("/2010-04-01/Accounts/{account}/Calls/{call}.json", self._update_call, methods=["POST"])]
        )
        return await self.serve(app)
