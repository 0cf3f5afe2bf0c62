"""Personal data in a live chat hand-off (issue 12, item 9), on a real redis-server: what the customer and
the agent write to each other is stored, and shown to the agent, with a card number, PESEL, IBAN and e-mail
masked like the dialog sessions; the order id the agent needs stays readable."""

from __future__ import annotations

from typing import Any

from dialog.ports import Outcome, Transfer
from telephony.agents.events import EventBus
from telephony.agents.waits import HandlingStats
from telephony.chat.handoff import ChatConfig, ChatHandoff, HandoffParts
from telephony.chat.store import ChatLog
from tests.support.pii import ORDER, PESEL, SAID, readable, stored_texts
from tests.support.transfer import Env, agent

QUEUE = "obsluga"


def handoff_for(env: Env) -> ChatHandoff:
    parts = HandoffParts(
        store=env.store,
        agents=env.agents,
        events=EventBus(env.redis, prefix=env.prefix),
        stats=HandlingStats(env.redis, prefix=env.prefix),
        hours=env.transfer.p.hours,
        log=ChatLog(env.store),
        dispatch=env.transfer.dispatch_queues,
        clock=env.clock,
    )
    return ChatHandoff(ChatConfig(), parts)


async def test_live_chat_messages_are_stored_and_shown_masked_but_the_order_id(setup: Any) -> None:
    env: Env = await setup([agent("anna", queues=(QUEUE,))])
    chat = handoff_for(env)
    outcome = Outcome(
        "sess-live", "transfer", "Łączę.", order_id=ORDER, transfer=Transfer(QUEUE, "requested_human", 0, SAID)
    )
    tid = (await chat.start("sess-live", outcome))["transfer_id"]
    assert await chat.accept(tid, "anna") == "ok"
    record = await chat.record(tid)
    assert record is not None
    sent = await chat.from_customer(record, f"Zamówienie {ORDER}. {SAID}")
    answer = await chat.from_agent(tid, "anna", f"Dziękuję, PESEL {PESEL} nie jest potrzebny do zamówienia {ORDER}.")
    assert answer is not None

    shown = await chat.messages(tid)
    texts = [m["text"] for m in shown]
    assert readable(texts) == [], texts  # what the console and the customer's client read
    assert sent["text"] == shown[-2]["text"] and "[karta …1111]" in sent["text"] and "[PESEL]" in sent["text"]
    assert f"Zamówienie {ORDER}." in sent["text"] and ORDER in answer["text"]  # the agent needs the order id
    stored = await stored_texts(env.redis, env.prefix)
    assert readable(stored) == [], readable(stored)  # nothing readable anywhere under the prefix
