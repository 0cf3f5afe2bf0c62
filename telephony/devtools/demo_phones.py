"""The demo's phone network: Twilio's REST API stand-in plus the agents' phones, on one local page.

Why: a warm transfer rings the agent's *phone* (Twilio creates a call to their number) and the agent takes
it by pressing 1 after the briefing. Without Twilio nothing rings, so the demo would stop at "ringing".
Here every agent call the gateway asks ``TwilioStandin`` for shows up on ``/phones`` (and
``/phones.json``); "Odbierz" plays Twilio's part exactly as on a real line: the signed webhook of the
answered call (the gateway answers the briefing TwiML), then the signed ``Digits=1`` to its ``<Gather>``
action, which puts the agent in the caller's room; "Rozłącz" posts the room's signed ``conference-end``,
which completes the transfer and takes the agent to wrap-up. The console at ``/agents`` shows each step.
"""

from __future__ import annotations

import html
import logging
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from twilio.request_validator import RequestValidator

from telephony.devtools.local_server import Served
from telephony.devtools.twilio_standin import RestRequest, TwilioStandin

log = logging.getLogger(__name__)
_TID = re.compile(r"/twilio/transfer/([^/]+)/agent/([^/?]+)")


@dataclass
class Phone:
    """One agent call the gateway placed: ``state`` ringing -> talking -> ended."""

    call_sid: str
    to: str
    tid: str
    agent_id: str
    url: str
    state: str = "ringing"

    def public(self) -> dict[str, str]:
        return {"call_sid": self.call_sid, "to": self.to, "transfer_id": self.tid, "agent_id": self.agent_id,
                "state": self.state}  # fmt: skip


class DemoPhones(Served):
    """The agents' phones over ``TwilioStandin``'s recorded requests; posts signed like Twilio."""

    def __init__(self, standin: TwilioStandin, auth_token: str, public_url: str) -> None:
        self.standin, self.public_url = standin, public_url.rstrip("/")
        self._validator = RequestValidator(auth_token)
        self.phones: dict[str, Phone] = {}

    def refresh(self) -> list[Phone]:
        """Agent calls created since the last look (only calls to a transfer's agent URL ring a phone)."""
        for request in self.standin.history:
            if request.kind == "create" and request.call_sid not in self.phones:
                phone = _phone(request)
                if phone is not None:
                    self.phones[phone.call_sid] = phone
            elif request.kind == "update" and request.get("Status") in ("completed", "canceled"):
                self._ended(request.call_sid)
        return list(self.phones.values())

    def _ended(self, call_sid: str) -> None:
        """The gateway ended an agent call over REST (the caller hung up first, or a new ring replaced it)."""
        if call_sid in self.phones:
            self.phones[call_sid].state = "ended"

    async def answer(self, call_sid: str) -> str:
        """The agent picks up and presses 1: returns what happened, in Polish, for the page."""
        phone = self.phones.get(call_sid)
        if phone is None or phone.state != "ringing":
            return "Ten telefon już nie dzwoni."
        briefing = await self._post(phone.url, {"CallSid": call_sid, "CallStatus": "in-progress"})
        gather = ET.fromstring(briefing).find("Gather")
        if gather is None:
            phone.state = "ended"
            return "Rozmówca już się rozłączył."
        joined = await self._post(gather.get("action", ""), {"CallSid": call_sid, "Digits": "1"})
        phone.state = "talking" if ET.fromstring(joined).find("Dial/Conference") is not None else "ended"
        return "Połączono z klientem." if phone.state == "talking" else "Nie udało się dołączyć do rozmowy."

    async def hang_up(self, call_sid: str) -> str:
        """Both sides hang up: the room ends (the transfer completes, the agent goes to wrap-up)."""
        phone = self.phones.get(call_sid)
        if phone is None or phone.state != "talking":
            return "Ten telefon nie prowadzi rozmowy."
        params = {"ConferenceSid": "CF" + phone.tid, "FriendlyName": f"room-{phone.tid}",
                  "StatusCallbackEvent": "conference-end", "SequenceNumber": "9",
                  "AccountSid": self.standin.account_sid}  # fmt: skip
        await self._post(f"{self.public_url}/twilio/transfer/{phone.tid}/conference", params)
        phone.state = "ended"
        return "Rozmowa zakończona."

    async def _post(self, url: str, params: dict[str, str]) -> str:
        headers = {"X-Twilio-Signature": self._validator.compute_signature(url, params)}
        async with httpx.AsyncClient(timeout=30) as client:
            response = await client.post(url, data=params, headers=headers)
        response.raise_for_status()
        return response.text

    # --- the page --------------------------------------------------------------------------------------
    async def start(self) -> str:
        app = Starlette(routes=[
            Route("/phones", self._page, methods=["GET"]),
            Route("/phones.json", self._json, methods=["GET"]),
            Route("/phones/{call_sid}/{action}", self._act, methods=["POST"]),
        ])  # fmt: skip
        return await self.serve(app)

    async def _json(self, request: Request) -> JSONResponse:
        return JSONResponse({"phones": [p.public() for p in self.refresh()]})

    async def _act(self, request: Request) -> Response:
        call_sid, action = request.path_params["call_sid"], request.path_params["action"]
        if action not in ("answer", "hangup"):
            return JSONResponse({"detail": "unknown action"}, status_code=404)
        self.refresh()
        message = await (self.answer(call_sid) if action == "answer" else self.hang_up(call_sid))
        if "application/json" in request.headers.get("accept", ""):
            return JSONResponse({"message": message, "phones": [p.public() for p in self.refresh()]})
        return RedirectResponse("/phones", status_code=303)

    async def _page(self, request: Request) -> HTMLResponse:
        return HTMLResponse(render_page(self.refresh()))


LABELS = {"ringing": "dzwoni", "talking": "rozmowa", "ended": "zakończone"}


STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:48rem;margin:1rem auto;padding:0 1rem;color:#1d2330}"
    "table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.4rem;border-bottom:1px solid #dde}"
    "button{font:inherit;padding:.4rem .8rem}.ringing{font-weight:600;color:#1f6f43}"
)


def render_page(phones: list[Phone]) -> str:
    """A plain page (no script): one row per agent call, with the button its state allows. It reloads
    itself only while nothing rings or talks (waiting for a ring), so a button never moves under a click."""
    rows = []
    for p in reversed(phones):
        button = {"ringing": ("answer", "Odbierz i naciśnij 1"), "talking": ("hangup", "Rozłącz")}.get(p.state)
        form = "" if button is None else (
            f'<form method="post" action="/phones/{html.escape(p.call_sid)}/{button[0]}">'
            f'<button type="submit">{button[1]}</button></form>')  # fmt: skip
        rows.append(f'<tr><td>{html.escape(p.agent_id)}</td><td>{html.escape(p.to)}</td>'
                    f'<td class="{p.state}">{LABELS[p.state]}</td><td>{form}</td></tr>')  # fmt: skip
    body = "".join(rows) or '<tr><td colspan="4">Żaden telefon nie dzwoni. Ustaw się jako dostępny w /agents.</td></tr>'
    idle = all(p.state == "ended" for p in phones)
    refresh = '<meta http-equiv="refresh" content="3">' if idle else ""
    return (
        f'<!doctype html><html lang="pl"><head><meta charset="utf-8">{refresh}<style>{STYLE}</style>'
        "<title>Telefony konsultantów (demo)</title></head><body><h1>Telefony konsultantów (demo)</h1>"
        "<p>Zastępuje sieć telefoniczną: tu dzwonią telefony konsultantów, gdy bramka przekazuje im rozmowę. "
        "Przebieg widać w konsoli /agents.</p>"
        f"<table><tr><th>Konsultant</th><th>Numer</th><th>Stan</th><th></th></tr>{body}</table></body></html>"
    )


def _phone(request: RestRequest) -> Phone | None:
    url = request.get("Url")
    found = _TID.search(url)
    if found is None:
        return None
    return Phone(request.call_sid, request.get("To"), found.group(1), found.group(2), url)
