"""A queue closed with no opening in the next two weeks (hours that never open, every day closed): the phone's
callback promise. Found: the phone promised a call back "w ciągu dwóch godzin roboczych" from a queue that has
no working hours ahead at all (the wording of an open queue), while the chat told the same customer only "w
najbliższych godzinach pracy". The promise is now the catalogue's CALLBACK_WHEN_UNKNOWN (the chat's words),
which an operator may override.

Real parts: uvicorn serving the transfer routes, a real Redis, the Twilio REST stand-in, signed webhooks.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from dialog import catalogue
from tests.support.transfer import Env, agent, xml

NEVER_OPEN = "pn-nd nieczynne, święta nieczynne"


@pytest.fixture(autouse=True)
def _defaults() -> Iterator[None]:
    yield
    catalogue.configure({})


async def _promise(env: Env) -> str:
    """The caller takes the callback offer with "1"; what they were promised (the booking sentence)."""
    tid, caller_sid = await env.start()
    redirect = await env.twilio.next("update")
    offer = xml(await env.post(redirect.get("Url"), {"CallSid": caller_sid}))
    assert " ".join(env.synth.spoken).endswith(catalogue.TRANSFER_CALLBACK_OFFER_CLOSED)
    env.synth.spoken.clear()
    gather = offer.find("Gather")
    assert gather is not None
    done = xml(await env.post(gather.get("action", ""), {"CallSid": caller_sid, "Digits": "1"}))
    assert done.find("Hangup") is not None and await env.status(tid) == "callback"
    return " ".join(env.synth.spoken)  # the booking, sentence by sentence


async def test_a_queue_that_never_opens_promises_no_two_working_hours(setup: Any) -> None:
    env: Env = await setup([agent("anna")], hours=NEVER_OPEN)
    said = await _promise(env)
    assert "dwóch godzin roboczych" not in said  # was: "Konsultant oddzwoni w ciągu dwóch godzin roboczych."
    assert catalogue.CALLBACK_PROMISE.format(when="w najbliższych godzinach pracy") in said
    assert catalogue.CALLBACK_WHEN_UNKNOWN == catalogue.CHAT_OPENS_UNKNOWN  # the chat's words for the same case


async def test_the_operator_words_it_their_way(setup: Any) -> None:
    catalogue.configure({"CALLBACK_WHEN_UNKNOWN": "gdy tylko biuro wznowi pracę"})
    env: Env = await setup([agent("anna")], hours=NEVER_OPEN)
    assert "Konsultant oddzwoni gdy tylko biuro wznowi pracę." in await _promise(env)


async def test_an_open_queue_still_promises_two_working_hours(setup: Any) -> None:
    env: Env = await setup([agent("anna", status="offline")])  # open, nobody on duty: the busy offer
    _, caller_sid = await env.start()
    redirect = await env.twilio.next("update")
    offer = xml(await env.post(redirect.get("Url"), {"CallSid": caller_sid}))
    action = offer.find("Gather").get("action", "")  # type: ignore[union-attr]
    xml(await env.post(action, {"CallSid": caller_sid, "Digits": "1"}))
    assert "Konsultant oddzwoni w ciągu dwóch godzin roboczych." in " ".join(env.synth.spoken)
