"""The session-id secret of the deployment: every worker and host must sign and check ids alike.

Why a setting (``INFOLINIA_SESSION_SECRET``) and not a secret created in Redis: the signature exists to tell
a session Redis *lost* from an id a client made up (``dialog.session_ids``), and a secret kept in Redis is
lost with it; the ids issued before would then all look made up, and no customer would be told their
thread was lost, which is the very case they are signed for. The gateway's other secrets (the Twilio auth
token, the API keys' and metrics token's digests) are settings too, passed to every worker and pod alike.

Unset, the id secret is derived from the Twilio auth token (a secret every worker and host of a phone
deployment already shares; the derivation is one-way and labelled, so an id never reveals it), and without
one ``infolinia serve`` makes a secret for its workers (``share_with_workers``). Only gateways on several
hosts without either sign differently: an id another host signed is then, once Redis lost its session,
taken as a new conversation instead of told the thread was lost. Nothing worse: no id is ever adopted
without a valid signature. ``infolinia check`` and the start-up log warn about that setup.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import MutableMapping

from dialog.session_ids import PROCESS_IDS, SessionIds
from telephony.app.findings import Finding
from telephony.settings import Settings

log = logging.getLogger(__name__)
VARIABLE = "INFOLINIA_SESSION_SECRET"
_FROM_TWILIO = "twilio-auth-token:"  # what the derived secret is made from, so it differs from the token itself


def session_ids(settings: Settings) -> SessionIds:
    """The signer every process of this deployment shares (see the module's docstring for the fallbacks)."""
    if settings.session_secret:
        return SessionIds(settings.session_secret)
    if settings.twilio_auth_token:
        return SessionIds(_FROM_TWILIO + settings.twilio_auth_token)
    if settings.redis_url:
        log.warning("%s is not set: session ids are signed with this process's own secret; set it when "
                    "gateways on several hosts share this Redis", VARIABLE)  # fmt: skip
    return PROCESS_IDS


def shared_by_default(settings: Settings) -> bool:
    """The secret is the deployment's own (set, or derived from the Twilio token), not one process's."""
    return bool(settings.session_secret or settings.twilio_auth_token)


def share_with_workers(settings: Settings, workers: int, environ: MutableMapping[str, str]) -> None:
    """Before ``serve`` starts several workers: one random secret for all of them, when none is configured
    (each worker reads its settings from ``environ``; their ids would otherwise differ)."""
    if workers > 1 and not shared_by_default(settings):
        environ[VARIABLE] = secrets.token_hex(32)


def check_session_secret(settings: Settings) -> list[Finding]:
    """``infolinia check``: with Redis (gateways that may be several) and no secret of the deployment's own,
    say that only one ``serve`` signs alike; nothing to say otherwise."""
    if shared_by_default(settings) or not settings.redis_url:
        return []
    detail = (f"{VARIABLE} not set: one `infolinia serve` signs session ids alike, gateways on several hosts "
              "or pods do not (set the same one everywhere: openssl rand -hex 32)")  # fmt: skip
    return [Finding("warn", "session ids", detail)]
