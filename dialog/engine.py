"""The shared dialog engine: one caller turn in, one ``Outcome`` out, for phone, speaker and chat alike.

Order of decisions in a turn (``_decide``), most important first: a pending "shall I connect you?" that
the caller accepts; on the phone, "zero" said alone (the greeting's "press zero", spoken); escalation by
the caller's words (urgent > complaint > human > offer); closing, repeat and thanks; answers to the
pending yes/no question; order numbers and order/address questions; the knowledge base; else a miss (two
in a row: transfer as not_understood).

State lives in the session store, never in the engine, so any worker can take the next turn.
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, datetime
from functools import partial
from typing import cast

from dialog import catalogue as say
from dialog.cpu import TEXT, VOICE, CpuLane
from dialog.engine_config import ORDERS_VOCABULARY, EngineConfig, Reply
from dialog.engine_intents import is_greeting_only, is_not_that, zero_for_a_person
from dialog.engine_kb import KBStep
from dialog.engine_log import EngineLogs
from dialog.engine_nbest import NBestStep
from dialog.engine_orders import OrderFlow
from dialog.engine_record import record_turn
from dialog.engine_session import finish_turn, keep_before, load_session, take_back
from dialog.engine_small_talk import small_talk
from dialog.engine_understand import Understanding
from dialog.engine_urgent import urgent_answer
from dialog.escalation_kinds import someone_hurt, threatened
from dialog.escalation_meaning import EscalationMeaning
from dialog.kb import KnowledgeBaseSearch
from dialog.mood import session_mood
from dialog.nbest import Hypothesis
from dialog.numbers import extract_order_number, yes_no
from dialog.orders import OrderLookup
from dialog.ports import CallerInfo, ConversationLog, Handover, MissLog, Outcome, Reason
from dialog.session import Session
from dialog.store import SessionRepo
from dialog.summary import note_request

log = logging.getLogger(__name__)
_ERROR_NOTE = "Błąd techniczny asystenta: klient przełączony automatycznie."


class DialogEngine:
    """Implements ``dialog.ports.Dialog``."""

    def __init__(
        self,
        kb: KnowledgeBaseSearch,
        orders: OrderLookup | None,
        sessions: SessionRepo,
        config: EngineConfig | None = None,
        clock: Callable[[], float] = time.time,
        meaning: EscalationMeaning | None = None,
        misses: MissLog | None = None,
        history: ConversationLog | None = None,
    ) -> None:
        """``orders`` None: no orders source, so no turn is ever read as an order question; ``meaning``
        None: escalation by word cues only (no sentence-embedding model); ``misses``: where turns not
        understood are recorded for the KB gaps report (None: nowhere); ``history``: where each conversation
        goes after every turn (the searchable history)."""
        self.kb = kb
        self.sessions = sessions
        self.config = config or EngineConfig()
        self.clock = clock
        self.policy = self.config.policy()
        self.order_source = orders
        self.orders = OrderFlow(orders, self.config, self._today) if orders is not None else None
        self.kb_step = KBStep(kb, self.config)
        self.understanding = Understanding(kb, meaning, self.kb_step.confirm_threshold, self.kb_step.answer_threshold)
        self.meaning = meaning
        self.logs = EngineLogs(misses, history, clock)
        self.cpu = CpuLane()  # embeddings off the event loop, voice turns ahead of chat turns
        self.nbest = NBestStep(self.kb_step, self.understanding, self.config, orders=orders is not None)

    def _today(self) -> date:
        return datetime.fromtimestamp(self.clock()).date()

    def with_sessions(self, sessions: SessionRepo) -> DialogEngine:
        """This engine keeping its sessions in ``sessions`` (a call's ``SessionKeeper``): a shallow copy sharing
        the KB, models, CPU lane and logs, none of which holds the sessions."""
        view = copy.copy(self)
        view.sessions = sessions
        return view

    # ------------------------------------------------------------------ the Dialog port
    async def greet(self, session_id: str | None, caller: CallerInfo) -> Outcome:
        session = await self._load(session_id, caller)
        if say.written(caller.channel):  # read, not heard: the chat's own welcome, no "press zero"
            text = say.written_greeting(self.config.brand)
        else:
            text = say.greeting(self.config.shop_name, phone=caller.channel == "phone")
        outcome = await self._finish(session, Reply("answer", text))
        self.logs.conversation(session, caller, outcome)  # a call the caller hangs up in silence is history too
        return outcome

    async def handle(self, session_id: str | None, text: str, caller: CallerInfo) -> Outcome:
        return await self.handle_nbest(session_id, (Hypothesis(text, 1.0),), caller)

    async def handle_nbest(
        self, session_id: str | None, hypotheses: Sequence[Hypothesis], caller: CallerInfo
    ) -> Outcome:
        """One caller turn given as the recognizer's n-best list, best first: the turn goes ahead with the
        wording ``dialog.engine_nbest`` chooses (``Outcome.heard``)."""
        session = await self._load(session_id, caller)
        self.logs.turn_done(session.id)  # a new turn: a retract now takes back this one, not an earlier miss
        before = session.model_dump(mode="json")
        heard = hypotheses[0].text.strip() if hypotheses else ""
        text = heard[: self.config.max_text_chars]
        try:
            heard = await self.nbest.heard(session, hypotheses, caller, self.cpu)
            text = heard[: self.config.max_text_chars]
            session.add("caller", text)
            note_request(session, text)
            reply = await self._decide(session, text, caller)
        except Exception:
            log.exception("dialog turn failed (session %s)", session.id)
            session.slots["note"] = _ERROR_NOTE
            reply = Reply("transfer", say.worded("ERROR_TRANSFER", session.channel), transfer="not_understood")
        outcome = replace(await self._finish(session, reply), heard=heard)
        self.logs.conversation(session, caller, outcome)
        if outcome.saved:
            await keep_before(self.sessions, session.id, before)
        return outcome

    async def retract(self, session_id: str) -> None:
        """Take back the latest ``handle``: that turn was only the first half of what the caller said."""
        self.logs.withdraw_miss(session_id)  # a fragment is not a question the KB failed
        await take_back(self.sessions, session_id)

    async def handover_refused(self, session_id: str, reply: str, caller: CallerInfo) -> None:
        await self.record(session_id, None, reply, caller, "refused")

    async def record(
        self, session_id: str, said: str | None, reply: str, caller: CallerInfo, handover: Handover | None = None
    ) -> None:
        session = await record_turn(self.sessions, self.clock, session_id, said, reply, handover)
        if session is not None:
            self.logs.conversation(session, caller, Outcome(session.id, "answer", reply))

    async def escalate(self, session_id: str, reason: Reason, caller: CallerInfo) -> Outcome:
        session = await self._load(session_id, caller)
        session.mood = session_mood(session.caller_turns())
        outcome = await self._finish(
            session, Reply("transfer", say.transfer_line(reason, session.channel), transfer=reason)
        )
        self.logs.conversation(session, caller, outcome)
        return outcome

    async def close(self) -> None:
        """Release the orders client (HTTP connection pool) and the CPU lane; the session store is closed by
        its owner. History and misses still being written are waited for."""
        await self.logs.drain()
        self.cpu.close()
        close = getattr(self.orders.orders, "close", None) if self.orders is not None else None
        if close is not None:
            await close()

    def vocabulary(self) -> list[str]:
        """Recognition hints: the configured words, parcel and order words when orders are looked up, the KB's."""
        shop = ORDERS_VOCABULARY if self.orders is not None else ()
        return list(dict.fromkeys([*self.config.extra_vocabulary, *shop, *self.kb.vocabulary()]))

    def phrases(self) -> list[str]:
        """Replies said word for word: every KB answer as given, then the catalogue's fixed sentences."""
        return list(dict.fromkeys([*self.kb_step.phrases(self.orders is not None), *say.fixed_sentences()]))

    # ------------------------------------------------------------------ session I/O (dialog/engine_session.py)
    async def _load(self, session_id: str | None, caller: CallerInfo) -> Session:
        return await load_session(self.sessions, self.clock, session_id, caller)

    async def _finish(self, session: Session, reply: Reply) -> Outcome:
        return await finish_turn(self.sessions, self.policy, self.clock(), session, reply)

    # ------------------------------------------------------------------ decisions
    async def _decide(self, s: Session, text: str, caller: CallerInfo) -> Reply:
        if not text:
            again = s.asked_anything_else
            return Reply("clarify", say.NOT_HEARD, expects=s.expects, anything_else=again, repeatable=False)
        s.mood = session_mood(s.caller_turns())
        answer = yes_no(text) if s.expects in ("yes_no", "choice") or s.asked_anything_else else None
        if s.offer == "transfer" and answer is True:
            return self._to_human(s, cast(Reason, s.offer_value or "requested_human"))
        if caller.channel == "phone" and zero_for_a_person(text, s.expects, s.topic):
            return self._to_human(s, "requested_human")  # the greeting's "press zero", said instead
        lane = TEXT if caller.channel == "chat" else VOICE
        if s.offer == "kb_choice" and (picked := self._choice(s, self.kb_step.choice.pick(s, text))) is not None:
            return picked  # "to drugie", "żadne z nich": words about the offer, not for escalation by meaning
        if (escalated := await self._escalation(s, text, lane)) is not None:
            return escalated
        cfg = self.config
        number = None
        if self.orders is not None:
            number = extract_order_number(text, cfg.min_order_digits, cfg.max_order_digits)
        missed = partial(self.logs.gap, s, caller)  # "to nie to": the question the answer missed
        if number is None and (small := small_talk(s, text, answer, missed)) is not None:
            return small
        if (pending := await self._pending_answer(s, text, answer, number)) is not None:
            return pending
        if self.orders is not None and (order := await self.orders.step(s, text, number, caller.phone)) is not None:
            return order
        if is_greeting_only(text) and s.expects != "order_number":  # never a question: the KB misread "dzień
            return Reply("answer", self._hello(s))  # dobry" as "ile trwa dostawa?" ("dni") without a model
        if not is_not_that(text) and (kb := await self.cpu.run(lane, self.kb_step.ask, s, text)) is not None:
            return kb
        if s.expects == "order_number" and self.orders is not None:
            return self._missed(s, self.orders.ask_again(s))
        return await self._not_understood(s, text, caller, lane)

    def _hello(self, s: Session) -> str:
        """The reply to a bare "dzień dobry": a chat's first message gets the chat's welcome (a chat has no
        greeting of its own before it, unlike a call), naming the brand; later, or on the phone, HELLO_AGAIN."""
        first = all(role == "caller" for role, _ in s.history)
        if first and say.written(s.channel):
            return say.written_greeting(self.config.brand, notice=False)  # the widget shows the notice apart
        return say.HELLO_AGAIN

    async def _escalation(self, s: Session, text: str, lane: int) -> Reply | None:
        """A transfer for what the caller's words say (urgent > complaint > human > offer), else None."""
        before = s.caller_turns()[:-1]
        reason = await self.cpu.run(lane, self.understanding.reason, text, before)
        if reason is None:
            return None
        if self.orders is not None:  # "numer 48213, chcę reklamację": the agent sees the order
            await self.orders.for_agent(s, text, wait=reason != "urgent")
        angry = reason == "urgent" and await self.cpu.run(lane, self.understanding.anger_only, text, before)
        reply = self._to_human(s, reason, angry)
        # an emergency: what the caller can do now, if the KB is sure of an entry about it (``dialog.engine_urgent``);
        # never when someone is hurt or ill ("ból w klatce piersiowej, chcę się umówić do kardiologa": 112, not how
        # to book a visit; a review) or threatened
        if reason == "urgent" and not angry and not someone_hurt(text) and not threatened(text):
            sure = await self.cpu.run(lane, urgent_answer, self.kb_step, text)
            return replace(reply, kb_answer=sure)
        return reply

    async def _not_understood(self, s: Session, text: str, caller: CallerInfo, lane: int) -> Reply:
        """A miss: two topics offered the first time, a re-prompt, or a transfer at the limit; logged as a gap."""
        s.misses += 1
        s.failed_attempts += 1
        offered = await self.cpu.run(lane, self.kb_step.choice.suggest, s, text) if s.misses == 1 else None
        prompt = self.kb_step.clarify(s.misses, self.orders is not None, written=say.written(s.channel))
        reply = self._missed(s, offered or Reply("clarify", prompt))
        self.logs.miss(s, text, caller, transferred=reply.transfer is not None, offered=reply.expects == "choice")
        return reply

    def _choice(self, s: Session, reply: Reply | None) -> Reply | None:
        """The reply to two topics offered; a pick marks the miss before the offer as that entry's wording."""
        if reply is not None and reply.kb_id is not None:
            self.logs.resolved(s, reply.kb_id)
        return reply

    def _to_human(self, s: Session, reason: Reason, angry: bool = False) -> Reply:
        """To a person; an angry caller first too, but with an apology instead of the 112 advice (the chat's
        written line where the phone's says "łączę…, proszę chwilę poczekać")."""
        return Reply("transfer", say.transfer_line(reason, s.channel, angry), transfer=reason, angry=angry)

    def _missed(self, s: Session, reply: Reply) -> Reply:
        """A turn not understood: the prepared re-prompt, or a transfer once misses reach the limit."""
        return self._to_human(s, "not_understood") if s.misses >= self.config.max_misses else reply

    async def _pending_answer(self, s: Session, text: str, answer: bool | None, number: str | None) -> Reply | None:
        """Answers to the yes/no question (or the choice of two KB entries) asked in the previous turn."""
        if s.offer == "kb_choice":
            lane = TEXT if s.channel == "chat" else VOICE
            return self._choice(s, await self.cpu.run(lane, self.kb_step.choice.choose, s, text, answer))
        if s.offer == "order" and self.orders is not None and (answer is not None or number is not None):
            if number is not None and answer is not True:  # "nie, chodzi o 48214"
                return await self.orders.lookup(s, number)
            return await self.orders.answer_offer(s, bool(answer))
        if s.offer == "kb" and answer is not None:
            if answer and (given := self.kb_step.confirmed(s)) is not None:
                return given
            s.misses += 1
            s.failed_attempts += 1
            other_words = say.worded("KB_OTHER_WORDS", s.channel)  # "not that": examples would be a guess
            reply = self._missed(s, Reply("clarify", other_words))
            for asked in s.caller_turns()[-2:-1]:  # the question the KB misread is a gap too
                self.logs.miss(s, asked, CallerInfo(channel=s.channel), transferred=reply.transfer is not None)
            return reply
        if s.offer == "transfer" and self.orders is not None and number is not None and answer is not True:
            return await self.orders.lookup(s, number)
        if s.offer == "transfer" and answer is False:
            return Reply("answer", say.DECLINED)
        return None
