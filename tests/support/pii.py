"""Personal data a caller may say, and a look at everything stored under a Redis prefix, for the tests that
check nothing readable is kept (``dialog.pii``) and that the purge deletes what is past retention."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

from redis.asyncio import Redis

from dialog.ports import CallerInfo, Outcome, Transfer
from telephony.call.deps import CallContext
from telephony.devtools.twilio_standin import new_call_sid
from tests.support.transfer import CALLED, CALLER, Env, NoChannel, xml

CARD, PESEL, IBAN, EMAIL = (
    "4111 1111 1111 1111",
    "44051401359",
    "PL61 1090 1014 0000 0712 1981 2874",
    "jan.kowalski@example.pl",
)
SAID = f"Płaciłem kartą {CARD}, mój PESEL {PESEL}, konto {IBAN}, e-mail {EMAIL}, chcę rozmawiać z konsultantem"
ORDER = "48213"


def readable(texts: list[str]) -> list[str]:
    """The secrets (card, PESEL, IBAN digits, e-mail) readable in ``texts``, in any spacing."""
    found = []
    for secret in (CARD, PESEL, IBAN, EMAIL):
        digits = re.sub(r"\D", "", secret) if "@" not in secret else None
        for text in texts:
            if secret in text or (digits and digits[-12:] in re.sub(r"\D", "", text)):
                found.append(f"{secret!r} in {text[:200]!r}")
    return found


async def stored_texts(redis: Redis, prefix: str) -> list[str]:
    """Every value stored under ``prefix``, as text (strings, hash fields, set/zset members, lists)."""
    texts: list[str] = []
    async for key in redis.scan_iter(match=f"{prefix}*"):
        kind = await redis.type(key)
        if kind == "string":
            value: Any = await redis.get(key)
        elif kind == "hash":
            value = await redis.hgetall(key)
        elif kind == "zset":
            value = await redis.zrange(key, 0, -1)
        elif kind == "set":
            value = await redis.smembers(key)
        elif kind == "list":
            value = await redis.lrange(key, 0, -1)
        else:
            value = kind
        texts.append(f"{key} {value}")
    return texts


async def transfer_with_pii(env: Env, queue: str = "obsluga") -> tuple[str, str]:
    """A phone caller who said ``SAID`` is handed to ``queue``: the raw words in the transcript and even in
    the summary (the store must mask whatever it is given). Returns (transfer id, CallSid)."""
    sid = new_call_sid()
    transcript = [
        {
            "role": "bot",
            "id": "s1",
            "turn": 0,
            "text": "W czym mogę pomóc?",
            "status": "heard",
            "heard": "W czym mogę pomóc?",
        },
        {"role": "caller", "turn": 1, "text": f"zamówienie {ORDER}", "source": "asr", "confidence": 0.9},
        {"role": "caller", "turn": 2, "text": SAID, "source": "asr", "confidence": 0.9},
    ]
    ctx = CallContext(
        sid, "MZ" + "0" * 32, "sess-pii", CallerInfo("phone", CALLER, {"to": CALLED}), transcript, NoChannel()
    )
    summary = f"Klient prosi o rozmowę z konsultantem. Sprawa: „{SAID}”.\nZamówienie {ORDER}: wysłane."
    outcome = Outcome(
        "sess-pii", "transfer", "Łączę.", order_id=ORDER, transfer=Transfer(queue, "requested_human", 3, summary)
    )
    return await env.transfer.start(ctx, outcome), sid


async def answer_offer(env: Env, tid: str, sid: str, digit: str) -> ET.Element:
    """The caller hears the callback offer and presses ``digit`` (1: call me back, 2: voicemail)."""
    redirect = await env.twilio.next("update")
    record = await env.store.get(tid)
    assert record is not None
    assert redirect.get("Url").endswith(f"/{tid}/callback-offer?queue={record.queue}")
    offer = xml(await env.post(redirect.get("Url"), {"CallSid": sid}))
    action = offer.find("Gather")
    assert action is not None
    return xml(await env.post(action.get("action", ""), {"CallSid": sid, "Digits": digit}))


def recording_url(sid: str) -> str:
    return f"https://api.twilio.com/2010-04-01/Accounts/AC{'1' * 32}/Recordings/{sid}"
