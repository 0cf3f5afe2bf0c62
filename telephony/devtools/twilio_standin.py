"""A local stand-in for Twilio's Calls REST API that records every request (create, update, and the
DELETE of a voicemail Recording).

Why another one next to ``simulator_rest.FakeTwilioRest``: the warm transfer also *creates* calls
(the agent legs) and redirects calls to URLs, and a test must see exactly what was asked (To, From,
Url, StatusCallback, Twiml...) to play Twilio's part afterwards: fetch the TwiML, post the signed
callbacks. Like Twilio it checks basic auth, answers new calls with a fresh ``CA`` sid, and answers
404 / code 20404 for a call that has ended (``end_call``), so the "caller already hung up" race
can be tested. Its ``actions`` feed the call simulator, which ends the media stream when the gateway
redirects the caller (into the transfer's conference), as Twilio does.
"""

from __future__ import annotations

import asyncio
import base64
import secrets
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from telephony.devtools.local_server import Served
from telephony.devtools.simulator_rest import CallAction, parse_action
from telephony.twilio.security import parse_form


@dataclass(frozen=True)
class RestRequest:
    """One request the gateway made: ``kind`` is "create", "update" or "delete_recording" (``call_sid`` is
    then the Recording SID); ``form`` keeps repeated keys."""

    kind: str
    call_sid: str
    form: dict[str, list[str]] = field(default_factory=dict)

    def get(self, name: str, default: str = "") -> str:
        values = self.form.get(name)
        return values[0] if values else default


def new_call_sid() -> str:
    return "CA" + secrets.token_hex(16)


class TwilioStandin(Served):
    """Twilio's Calls resource on 127.0.0.1 (ephemeral port). Requests land in ``requests``."""

    def __init__(self, account_sid: str, auth_token: str) -> None:
        self.account_sid = account_sid
        self._auth = "Basic " + base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode()
        self.requests: asyncio.Queue[RestRequest] = asyncio.Queue()
        self.actions: asyncio.Queue[CallAction] = asyncio.Queue()  # updates, for the call simulator
        self.history: list[RestRequest] = []
        self.ended: set[str] = set()
        self.deleted_recordings: set[str] = set()
        self.fail_recording_deletes = False  # True: answer 500 (Twilio down) to recording DELETEs
        # Fault injection: "refuse" answers 503 to everything, "blackhole" never answers (until cleared).
        self.outage: str | None = None
        self._outage_over = asyncio.Event()

    def end_call(self, call_sid: str) -> None:
        """From now on the call is over: updates to it fail like Twilio's (404, code 20404)."""
        self.ended.add(call_sid)

    async def next(self, kind: str | None = None, timeout_s: float = 5.0) -> RestRequest:
        """The next recorded request (of ``kind``, skipping others); TimeoutError if none comes."""
        async with asyncio.timeout(timeout_s):
            while True:
                request = await self.requests.get()
                if kind is None or request.kind == kind:
                    return request

    def drain(self) -> list[RestRequest]:
        """Everything recorded and not yet taken with ``next``."""
        items: list[RestRequest] = []
        while not self.requests.empty():
            items.append(self.requests.get_nowait())
        return items

    def set_outage(self, mode: str | None) -> None:
        """``"refuse"`` (HTTP 503), ``"blackhole"`` (no answer at all) or None (Twilio is back)."""
        if mode not in (None, "refuse", "blackhole"):
            raise ValueError(mode)
        self.outage = mode
        if mode is None:
            self._outage_over.set()
        else:
            self._outage_over = asyncio.Event()

    async def _form(self, request: Request) -> dict[str, list[str]] | JSONResponse:
        if self.outage == "blackhole":
            await self._outage_over.wait()
        if self.outage == "refuse":
            return JSONResponse({"code": 20500, "message": "Service unavailable", "status": 503}, status_code=503)
        if not secrets.compare_digest(request.headers.get("authorization", ""), self._auth):
            return JSONResponse({"code": 20003, "message": "Authenticate", "status": 401}, status_code=401)
        if request.path_params["account"] != self.account_sid:
            return JSONResponse({"code": 20404, "message": "not found", "status": 404}, status_code=404)
        form = parse_form(await request.body())
        return {key: [str(v) for v in form.getlist(key)] for key in form}

    def _record(self, kind: str, call_sid: str, form: dict[str, list[str]]) -> None:
        item = RestRequest(kind, call_sid, form)
        self.history.append(item)
        self.requests.put_nowait(item)

    async def _create_call(self, request: Request) -> JSONResponse:
        form = await self._form(request)
        if isinstance(form, JSONResponse):
            return form
        missing = [k for k in ("To", "From") if not form.get(k)]
        if missing or not (form.get("Url") or form.get("Twiml")):
            return JSONResponse({"code": 21205, "message": f"missing {missing or 'Url'}"}, status_code=400)
        call_sid = new_call_sid()
        self._record("create", call_sid, form)
        body = {"sid": call_sid, "account_sid": self.account_sid, "status": "queued", "to": form["To"][0]}
        return JSONResponse(body, status_code=201)

    async def _update_call(self, request: Request) -> JSONResponse:
        form = await self._form(request)
        if isinstance(form, JSONResponse):
            return form
        call_sid = request.path_params["call"]
        if call_sid in self.ended:
            return JSONResponse(
                {"code": 20404, "message": "The requested resource was not found", "status": 404},
                status_code=404,
            )
        self._record("update", call_sid, form)
        self.actions.put_nowait(parse_action(call_sid, {key: values[0] for key, values in form.items() if values}))
        status = (form.get("Status") or ["in-progress"])[0]
        if status in ("completed", "canceled"):
            self.ended.add(call_sid)
        return JSONResponse({"sid": call_sid, "account_sid": self.account_sid, "status": status})

    async def _delete_recording(self, request: Request) -> Response:
        form = await self._form(request)
        if isinstance(form, JSONResponse):
            return form
        sid = request.path_params["recording"]
        if self.fail_recording_deletes:
            return JSONResponse({"code": 20500, "message": "Internal Server Error", "status": 500}, status_code=500)
        if sid in self.deleted_recordings:
            return JSONResponse({"code": 20404, "message": "not found", "status": 404}, status_code=404)
        self.deleted_recordings.add(sid)
        self._record("delete_recording", sid, {})
        return Response(status_code=204)

    async def start(self) -> str:
        """Serve on a free port; returns the API base URL to give the gateway's REST client."""
        app = Starlette(
            routes=[
                Route("/2010-04-01/Accounts/{account}/Calls.json", self._create_call, methods=["POST"]),
                Route("/2010-04-01/Accounts/{account}/Calls/{call}.json", self._update_call, methods=["POST"]),
                Route(
                    "/2010-04-01/Accounts/{account}/Recordings/{recording}.json",
                    self._delete_recording,
                    methods=["DELETE"],
                ),
            ]
        )
        return await self.serve(app)
