"""HTTP side of the warm transfer: the signed Twilio callbacks, the prompt audio, and the wiring.

Why every endpoint checks ``X-Twilio-Signature`` against the configured public URL (never the Host
header) and answers valid TwiML even when a step fails: these URLs change who talks to whom, so an
unsigned request must touch nothing, and a failing step must leave Twilio with something sensible
(the caller keeps hearing hold music; an agent leg hangs up and its status callback moves on).
Audio is a plain GET (Twilio fetches ``<Play>`` URLs like a browser) protected by unguessable ids.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request, Response
from redis.asyncio import Redis

from dialog import catalogue
from telephony.agents.callbacks import CallbackBook
from telephony.agents.callbacks_redis import RedisCallbacks
from telephony.agents.events import EventBus
from telephony.agents.hours import QueueHours
from telephony.agents.repo import AgentRepo
from telephony.agents.waits import HandlingStats
from telephony.history.ended import HandoffHistory
from telephony.logs import LogThrottle
from telephony.spool import Spool
from telephony.transfer.audio import AUDIO_PATH, TransferAudio
from telephony.transfer.escape import after_room
from telephony.transfer.steps import TransferSteps
from telephony.transfer.store import TransferStore
from telephony.transfer.twiml import Prompt, empty_twiml, hang_up_twiml, hold_twiml, say_and_hang_up_twiml
from telephony.transfer.warm import Rest, TransferConfig, TransferParts, WarmTransfer
from telephony.twilio.security import SIGNATURE_HEADER, TwilioSignatureVerifier, parse_form
from voice.ports import Synthesizer

log = logging.getLogger(__name__)

BASE = "/twilio/transfer/{tid}"
MAX_FORM_BYTES = 64 * 1024
_TID = re.compile(r"^[0-9a-f]{32}$")
_AGENT_ID = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")


@dataclass(frozen=True)
class TransferRouteDeps:
    steps: TransferSteps
    audio: TransferAudio
    verifier: TwilioSignatureVerifier
    # forged callbacks' warnings: one line per 10 s in a flood (their path carries any tid a forger writes)
    refusal_logs: LogThrottle = field(default_factory=LogThrottle)


def _xml(twiml: str) -> Response:
    return Response(twiml, media_type="application/xml")


async def _signed(request: Request, verifier: TwilioSignatureVerifier, quiet: LogThrottle) -> dict[str, str] | Response:
    """The form (first values) when the signature is valid for our public URL; else the refusal (its warning
    throttled by ``quiet``, as the voice webhook's: a flood of forged callbacks wrote one line each)."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return Response(status_code=413)
    form = parse_form(body)
    if not verifier.verify_form(request.url.path, request.url.query, form, request.headers.get(SIGNATURE_HEADER)):
        quiet.warning(log, "forged", "%s: refused an unsigned or badly signed request", request.url.path)
        return Response(status_code=403)
    return {key: str(value) for key, value in form.items()}


# Steps whose answer the caller hears: a failure there is an apology and the fallback number, never silence.
CALLER_STEPS = frozenset({"offer", "callback", "voicemail", "after"})


def _failed(steps: TransferSteps, step: str, tid: str, form: dict[str, str]) -> str:
    """What Twilio gets when a step raised (Redis down, most likely): the room's callbacks and the agent's
    status are only acknowledged; the caller's steps apologise and hand over; the hold loop goes on (music,
    the star key's way out said with Twilio's voice, since our audio may be out of reach too, and back
    here), so a waiting caller is never left in silence; an agent's leg is told why it ends."""
    if step in ("status", "conference") or (step == "voicemail" and "RecordingStatus" in form):
        return empty_twiml()
    if step == "hold":
        t = steps.t
        loops = max(1, math.ceil(t.cfg.hold_repeat_s / t.p.audio.music_s))
        return hold_twiml(Prompt(catalogue.HOLD_PRESS_STAR), t.p.audio.music_url, loops, t.urls.hold(tid))
    if step in CALLER_STEPS:
        return steps.refusal()
    return say_and_hang_up_twiml(Prompt(catalogue.AGENT_TECHNICAL_PROBLEM))


# The callbacks Twilio posts, in the order they are registered: (path under BASE, route name, step).
_STEP_ROUTES = (
    ("/hold", "hold", "hold"),
    ("/conference", "conference", "conference"),
    ("/agent/{agent_id}", "agent", "agent"),
    ("/agent/{agent_id}/answer", "agent_answer", "answer"),
    ("/agent/{agent_id}/status", "agent_status", "status"),
    ("/callback-offer", "callback_offer", "offer"),
    ("/after-room", "after_room_step", "after"),
    ("/callback-answer", "callback_answer", "callback"),
    ("/voicemail", "voicemail", "voicemail"),
)
Handle = Callable[[Request, str, str | None, str], Awaitable[Response]]


def _add_step(router: APIRouter, handle: Handle, path: str, name: str, step: str) -> None:
    """One ``POST`` route running ``step`` through ``handle`` (signature check, refusal, failure TwiML);
    its path names the agent, or only the transfer. One place for all nine, so none can skip a check."""
    if "{agent_id}" in path:

        async def for_agent(request: Request, tid: str, agent_id: str) -> Response:
            return await handle(request, tid, agent_id, step)

        endpoint: Callable[..., Awaitable[Response]] = for_agent
    else:

        async def for_transfer(request: Request, tid: str) -> Response:
            return await handle(request, tid, None, step)

        endpoint = for_transfer
    router.add_api_route(BASE + path, endpoint, methods=["POST"], name=name)


def build_transfer_router(deps: TransferRouteDeps) -> APIRouter:
    """The transfer's Twilio callbacks under ``/twilio/transfer/{tid}/...`` and ``/twilio/audio/{id}.wav``."""
    router, steps = APIRouter(), deps.steps

    async def handle(request: Request, tid: str, agent_id: str | None, step: str) -> Response:
        form = await _signed(request, deps.verifier, deps.refusal_logs)
        if isinstance(form, Response):
            return form
        if not _TID.fullmatch(tid) or (agent_id is not None and not _AGENT_ID.fullmatch(agent_id)):
            return _xml(steps.refusal() if step in CALLER_STEPS else hang_up_twiml())
        try:
            return _xml(await _run(steps, step, tid, agent_id or "", form, _plays(request), _queue(request)))
        except Exception:
            log.exception("transfer %s: step %s failed", tid, step)
            return _xml(_failed(steps, step, tid, form))

    for path, name, step in _STEP_ROUTES:
        _add_step(router, handle, path, name, step)

    @router.get(AUDIO_PATH)
    async def audio(audio_id: str) -> Response:
        data = await deps.audio.wav(audio_id)
        if data is None:
            return Response(status_code=404)
        return Response(data, media_type="audio/wav", headers={"Cache-Control": "private, max-age=3600"})

    return router


def _plays(request: Request) -> int:
    """How many times the agent's leg played the briefing before (0 when absent or not a small number)."""
    value = request.query_params.get("plays", "")
    return int(value) if value.isdigit() and len(value) < 3 else 0


def _queue(request: Request) -> str:
    """The caller's queue the offer's signed URL names ("" when absent or not a queue's name): what the
    callback steps read the hours of while Redis, and the record with it, is out of reach."""
    value = request.query_params.get("queue", "")
    return value if _AGENT_ID.fullmatch(value) else ""


async def _run(
    steps: TransferSteps, step: str, tid: str, agent_id: str, form: dict[str, str], plays: int, queue: str = ""
) -> str:
    if step == "hold":
        return await steps.hold(tid, form.get("CallSid", ""))
    if step == "conference":
        await steps.conference(tid, form)
        return empty_twiml()
    if step == "agent":
        return await steps.agent_leg(tid, agent_id, plays)
    if step == "answer":
        return await steps.agent_answer(tid, agent_id, form.get("Digits", ""), plays)
    if step == "status":
        await steps.agent_status(tid, agent_id, form)
        return empty_twiml()
    if step == "offer":
        return await steps.callback_offer(tid, form, queue)
    if step == "callback":
        return await steps.callback_answer(tid, form, queue)
    if step == "voicemail":
        return await steps.voicemail(tid, form, status_event="RecordingStatus" in form, queue=queue)
    if step == "after":
        return await after_room(steps.t, tid, steps.refusal, steps.callback_offer)
    raise ValueError(step)


def build_warm_transfer(
    config: TransferConfig,
    redis: Redis,
    synthesizer: Synthesizer,
    rest: Rest,
    hours: QueueHours,
    *,
    auth_token: str,
    prefix: str = "infolinia:",
    agents: AgentRepo | None = None,
    callbacks: CallbackBook | None = None,
    audio_secret: str | None = None,
    metrics: Any = None,
    store: TransferStore | None = None,
    spool: Spool | None = None,
    history: HandoffHistory | None = None,
) -> tuple[WarmTransfer, APIRouter]:
    """Everything the warm transfer needs, from plain arguments (the app maps Settings onto them).

    ``redis`` must be created with ``decode_responses=True``. Returns the ``TransferFn`` to give
    ``CallDeps`` as its ``transfer`` and the router to include in the app (at the root). ``metrics``:
    ``telephony.metrics.Metrics`` (queue waits, callback offers), optional. ``store``: the transfer
    records (the agents API's, with the configured retention); default: one with the default retention.
    ``spool``: where callback and voicemail requests go while Redis is down (none: refused, fallback number).
    """
    audio = TransferAudio(redis, synthesizer, config.public_url, audio_secret or auth_token, prefix=prefix)
    parts = TransferParts(
        store=store or TransferStore(redis, prefix=prefix),
        agents=agents or AgentRepo(redis, prefix=prefix),
        events=EventBus(redis, prefix=prefix),
        rest=rest,
        audio=audio,
        stats=HandlingStats(redis, prefix=prefix),
        hours=hours,
        history=history,
    )
    transfer = WarmTransfer(config, parts, metrics)
    steps = TransferSteps(transfer, callbacks or RedisCallbacks(redis, prefix=prefix), spool)
    verifier = TwilioSignatureVerifier(auth_token, config.public_url)
    return transfer, build_transfer_router(TransferRouteDeps(steps, audio, verifier))
