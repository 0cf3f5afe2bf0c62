"""An emergency call nobody can take (the warm transfer's world: real uvicorn, real Redis, the Twilio stand-in,
signed webhooks): the caller heard the 112 advice in the engine's transfer line; the callback offer now says
first what the KB was sure of for that turn (``Transfer.answer``: how to block the SIM card), in full and
outside the Gather, then the offer. Only for an emergency: an angry caller's transfer carries none to say, and
the agent's view of the transfer does not show it."""

from __future__ import annotations

from typing import Any

from dialog import catalogue
from dialog.ports import Transfer
from tests.support.transfer import Env, agent, xml

BLOCK_SIM = "Kartę SIM zablokujemy od razu u konsultanta lub w Panelu Klienta w zakładce Karty SIM."


async def test_an_emergency_nobody_takes_hears_the_kbs_answer_before_the_callback_offer(setup: Any) -> None:
    env: Env = await setup([agent("anna", status="offline")])
    urgent = Transfer("reklamacje", "urgent", 10, "PILNE: kradzież telefonu.", answer=BLOCK_SIM)
    tid, caller_sid = await env.start(transfer=urgent)
    redirect = await env.twilio.next("update")
    assert redirect.get("Url").endswith(f"/{tid}/callback-offer?queue=reklamacje")
    offer = xml(await env.post(redirect.get("Url"), {"CallSid": caller_sid}))
    assert [child.tag for child in offer] == ["Play", "Gather", "Redirect"]  # the answer in full, then the offer
    gather = offer.find("Gather")
    assert gather is not None and [child.tag for child in gather] == ["Play"]
    audio = env.transfer.p.audio
    played = [play.text for play in offer.iter("Play")]
    said = (BLOCK_SIM, catalogue.TRANSFER_CALLBACK_OFFER_BUSY)
    assert played == [audio.url(audio.audio_id(text)) for text in said]
    assert " ".join(env.synth.spoken).endswith(" ".join(said))
    record = await env.store.get(tid)
    assert record is not None and record.kb_answer == BLOCK_SIM and "kb_answer" not in record.context()
    said_no = {"CallSid": caller_sid, "SpeechResult": "nie, dziękuję", "Confidence": "0.9"}
    voicemail = xml(await env.post(gather.get("action", ""), said_no))
    assert voicemail.find("Record") is not None and await env.status(tid) == "voicemail"  # the rest as before


async def test_an_angry_callers_transfer_says_no_answer_before_the_offer(setup: Any) -> None:
    env: Env = await setup([agent("anna", status="offline")])
    angry = Transfer("reklamacje", "urgent", 10, "PILNE: bardzo zdenerwowany klient.", angry=True, answer=BLOCK_SIM)
    tid, caller_sid = await env.start(transfer=angry)
    redirect = await env.twilio.next("update")
    offer = xml(await env.post(redirect.get("Url"), {"CallSid": caller_sid}))
    assert [child.tag for child in offer] == ["Gather", "Redirect"]
    assert BLOCK_SIM not in " ".join(env.synth.spoken)
    record = await env.store.get(tid)
    assert record is not None and record.kb_answer is None
