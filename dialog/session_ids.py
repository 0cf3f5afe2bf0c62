"""Session ids the gateway issues, signed, so an id a client sends can be told apart from one it made up.

Why: a chat client (``POST /v1/chat``) or a device (``POST /v1/voice/turn``) holds its session id between
turns, and a session the store no longer has is taken as a thread Redis lost (``dialog.resume``): the
customer is told so and ``infolinia_threads_lost`` counts it. Judged by the id's form alone (32 hex digits),
anyone could invent ids, get apologies and drive that metric up. An id is therefore a random part and an
HMAC-SHA256 of it under a secret every worker shares, truncated: only an id with a valid tag was issued by
this deployment, so only such an id is judged lost; any other (made up, altered, or the unsigned form issued
before signing) starts a new conversation under a new id, as an id the gateway never saw always did.

The format stays plain lowercase hex (``NONCE_HEX`` random digits, then ``TAG_HEX`` of tag): safe in a URL
path (``/v1/chat/{id}/events``), a query, a header and a Redis key, and masked by the logs' URL filter.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

NONCE_HEX = 32  # 128 random bits: the id stays unguessable, as ``uuid4().hex`` was
TAG_HEX = 32  # HMAC-SHA256 truncated to 128 bits: forging one is as hard as guessing a live id
_FORM = re.compile(rf"[0-9a-f]{{{NONCE_HEX + TAG_HEX}}}")
_LABEL = b"infolinia session id v1"  # the key is derived for this use only: the secret may serve others too


class SessionIds:
    """Issues and checks session ids under one secret (``secret``: any non-empty bytes or text, the same in
    every process that may see the id; ``INFOLINIA_SESSION_SECRET``, ``telephony/app/session_ids.py``)."""

    def __init__(self, secret: str | bytes) -> None:
        raw = secret.encode("utf-8") if isinstance(secret, str) else secret
        if not raw:
            raise ValueError("a session id secret must not be empty")
        self._key = hmac.new(raw, _LABEL, hashlib.sha256).digest()

    def new(self) -> str:
        """A fresh signed id: random digits and their tag."""
        nonce = secrets.token_hex(NONCE_HEX // 2)
        return nonce + self._tag(nonce)

    def issued(self, session_id: str) -> bool:
        """The id carries a valid tag under this secret: this deployment issued it (compared in constant time)."""
        if _FORM.fullmatch(session_id) is None:
            return False
        nonce, tag = session_id[:NONCE_HEX], session_id[NONCE_HEX:]
        return hmac.compare_digest(tag, self._tag(nonce))

    def _tag(self, nonce: str) -> str:
        return hmac.new(self._key, nonce.encode("ascii"), hashlib.sha256).hexdigest()[:TAG_HEX]


# Without a configured secret (an evaluation run, a test, a single process): one random per process, so every
# repository in the process agrees. Several processes must be given one secret (``telephony/app/session_ids.py``).
PROCESS_IDS = SessionIds(secrets.token_bytes(32))
