"""A minimal app with the graceful drain, served by ``tests/e2e/telephony/test_workers.py`` in a subprocess.

Its one "call" is started by ``POST /start`` (as the Twilio stream route does through ``Admission``);
the hand-off prints what it would ask Twilio to do, so the test reads it from the process output.
"""

from __future__ import annotations

from fastapi import FastAPI

from dialog.catalogue import HOLD_CONNECTING
from telephony.app.workers import enable_graceful_drain, fallback_hand_off
from telephony.call.admission import Admission


class PrintingCallControl:
    async def transfer_to_number(self, call_sid: str, number: str, announcement: str | None = None) -> None:
        print(f"HANDOFF {call_sid} {number} {announcement}", flush=True)


def create() -> FastAPI:
    app = FastAPI()
    admission = Admission(0)
    hand_off = fallback_hand_off(PrintingCallControl(), "+48221112233", HOLD_CONNECTING)
    enable_graceful_drain(app, admission, hand_off, grace_s=1.5)

    @app.post("/start")
    async def start() -> dict[str, bool]:
        admission.started("CA-in-progress")
        return {"draining": admission.draining}

    @app.get("/admit")
    async def admit() -> dict[str, bool]:
        return {"admitted": admission.admit() is not None}

    return app
