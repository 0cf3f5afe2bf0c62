"""A minimal app with the graceful drain, served by ``tests/e2e/telephony/test_workers.py`` in a subprocess.

Its one "call" is started by ``POST /start`` (as the Twilio stream route does through ``Admission``);
the hand-off prints what it would ask Twilio to do, so the test reads it from the process output.
"""

from __future__ import annotations

from types import SimpleNamespace

from fastapi import FastAPI

from telephony.app.workers import enable_graceful_drain
from telephony.call.admission import Admission


class PrintingCallControl:
    async def transfer_to_number(self, call_sid: str, number: str, announcement: str | None = None) -> None:
        print(f"HANDOFF {call_sid} {number} {announcement}", flush=True)


def create() -> FastAPI:
    app = FastAPI()
    admission = Admission(0)
    app.state.admission = admission
    app.state.settings = SimpleNamespace(fallback_number="+48221112233")
    app.state.services = SimpleNamespace(call_deps=SimpleNamespace(call_control=PrintingCallControl()))
    enable_graceful_drain(app, grace_s=1.5)

    @app.post("/start")
    async def start() -> dict[str, bool]:
        admission.started("CA-in-progress")
        return {"draining": admission.draining}

    @app.get("/admit")
    async def admit() -> dict[str, bool]:
        return {"admitted": admission.admit()}

    return app
