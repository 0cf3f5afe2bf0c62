"""A chat asking for a person where no agent can ever take it (no Redis): told so, never promised."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from dialog import catalogue
from dialog.ports import CallerInfo, Handover, Outcome, Transfer
from telephony.chat.api import build_chat_router
from telephony.console.view import chat_lines, transfer_view
from telephony.exposition import parse_exposition
from telephony.metrics import Metrics


class Escalating:
    def __init__(self) -> None:
        self.refused: list[tuple[str, str]] = []

    async def handover_refused(self, session_id: str, reply: str, caller: CallerInfo) -> None:
        self.refused.append((session_id, reply))

    async def record(
        self, session_id: str, said: str | None, reply: str, caller: CallerInfo, handover: Handover | None = None
    ) -> None:
        return None

    async def handle(self, session_id: str | None, text: str, caller: CallerInfo) -> Outcome:
        if text in ("gaz", "WŚCIEKŁY"):  # urgent: danger, or anger alone
            urgent = Transfer("obsluga", "urgent", 10, "x", angry=text == "WŚCIEKŁY")
            return Outcome("s1", "transfer", catalogue.TRANSFER["urgent"], transfer=urgent)
        return Outcome(
            "s1",
            "transfer",
            catalogue.TRANSFER["requested_human"],
            transfer=Transfer("obsluga", "requested_human", 1, "x"),
        )


async def test_no_live_chat_means_an_honest_reply_and_a_counted_unavailable_hand_off() -> None:
    dialog: Any = Escalating()

    async def get_dialog() -> Any:
        return dialog

    metrics = Metrics()
    app = FastAPI()
    app.include_router(build_chat_router(get_dialog, metrics=metrics))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        body = (await http.post("/v1/chat", json={"text": "konsultant"})).json()
        assert (await http.get("/v1/chat/s1/events")).status_code == 404
        danger = (await http.post("/v1/chat", json={"text": "gaz"})).json()
        angry = (await http.post("/v1/chat", json={"text": "WŚCIEKŁY"})).json()
    assert danger["reply"] == f"{catalogue.EMERGENCY_ADVICE} {catalogue.CHAT_UNAVAILABLE_BUSY}"
    assert angry["reply"] == f"{catalogue.ANGRY_APOLOGY} {catalogue.CHAT_UNAVAILABLE_BUSY}"  # no 112: the apology
    assert body["action"] == "transfer" and body["reply"] == catalogue.CHAT_UNAVAILABLE_BUSY
    assert body["handoff"]["status"] == "unavailable" and body["handoff"]["transfer_id"] is None
    assert dialog.refused[0] == ("s1", catalogue.CHAT_UNAVAILABLE_BUSY)  # the history keeps what was said
    counted = parse_exposition(metrics.render().decode(), ["infolinia_chat_handoffs_total"])
    assert counted == {"infolinia_chat_handoffs_total{queue=obsluga,result=unavailable}": 3.0}


async def test_devices_are_told_no_person_is_reachable_and_a_phone_integration_hands_over_itself() -> None:
    dialog: Any = Escalating()

    async def get_dialog() -> Any:
        return dialog

    app = FastAPI()
    app.include_router(build_chat_router(get_dialog))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        speaker = (await http.post("/v1/chat", json={"text": "konsultant", "channel": "speaker"})).json()
        phone = (await http.post("/v1/chat", json={"text": "konsultant", "channel": "phone"})).json()
        catalogue.configure({"ANGRY_APOLOGY": "Przykro nam z tego powodu."})  # an operator's own wording
        try:
            angry = (await http.post("/v1/chat", json={"text": "WŚCIEKŁY", "channel": "voice"})).json()
        finally:
            catalogue.configure({})
    assert speaker["reply"] == catalogue.HANDOFF_NOT_HERE and speaker["handoff"]["reason"] == "channel"
    assert phone["reply"] == catalogue.TRANSFER["requested_human"] and phone["handoff"] is None
    assert angry["reply"] == f"Przykro nam z tego powodu. {catalogue.HANDOFF_NOT_HERE}"
    told = [("s1", catalogue.HANDOFF_NOT_HERE), ("s1", angry["reply"])]
    assert dialog.refused == told  # only the devices' turns were amended


def test_console_shows_a_chat_with_its_messages() -> None:
    record = {"tid": "t1", "status": "ringing", "channel": "chat", "reason": "requested_human", "created_at": 0.0}
    view = transfer_view(record, 5.0, [{"seq": 1, "from": "customer", "text": "Halo?"}])
    assert view["is_chat"] and view["heading"] == "Czat z klientem"
    assert view["status_label"] == "Nowy czat: przyjmij, aby odpisać"
    assert view["messages"] == [{"role": "customer", "who": "Klient", "text": "Halo?", "seq": "1"}]
    assert chat_lines([{"from": "agent", "text": "Już sprawdzam"}])[0]["who"] == "Ty"
    phone = transfer_view({**record, "channel": "phone"}, 5.0)
    assert not phone["is_chat"] and phone["status_label"] == "Przychodzące połączenie"
