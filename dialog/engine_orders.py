"""The order part of the dialog: asking for the number, looking it up, phone match, status in words.

Session fields it owns: ``purpose`` (why an order number is wanted: status or address change),
``offer``/``offer_value`` for "czy chodzi o zamówienie numer ...?", ``not_found`` and the order found.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

from dialog import catalogue as say
from dialog.engine_config import EngineConfig, Reply
from dialog.engine_intents import (
    is_correction,
    mentions_quantity,
    mostly_number,
)
from dialog.numbers import extract_order_number
from dialog.order_intents import asks_about_the_order, lacks_order_number, wants_address_change, wants_order_status
from dialog.orders import Order, OrderLookup, OrdersUnavailable
from dialog.session import Purpose, Session

log = logging.getLogger(__name__)
_PENDING = ("placed", "paid", "packed")
_UNAVAILABLE_NOTE = "System zamówień nie odpowiadał; status trzeba sprawdzić ręcznie."


def status_text(order: Order, today: date | None = None) -> str:
    """The status in natural Polish: number, status, carrier and expected date when known."""
    parts = [say.ORDER_STATUS[order.status].format(order_id=order.id)]
    if order.carrier and order.status in _PENDING:
        parts.append(say.ORDER_CARRIER_PENDING.format(carrier=order.carrier))
    if order.carrier and order.status == "shipped":
        parts.append(say.ORDER_CARRIER_SHIPPED.format(carrier=order.carrier))
    if order.eta and order.status in (*_PENDING, "shipped"):
        parts.append(say.ORDER_ETA.format(date=say.spoken_date(order.eta, today)))
    if order.eta and order.status == "delivered":
        parts.append(say.ORDER_DELIVERED_ON.format(date=say.spoken_date(order.eta, today)))
    return " ".join(parts)


def address_text(order: Order) -> str:
    """What can be done about the delivery address at this order's stage."""
    return say.ADDRESS_CHANGE[order.status].format(order_id=order.id)


class OrderFlow:
    """Order turns. Returns ``Reply`` values; the engine turns them into outcomes and saves the session."""

    def __init__(self, orders: OrderLookup, config: EngineConfig, today: Callable[[], date]) -> None:
        self.orders = orders
        self.config = config
        self.today = today

    def _found(self, session: Session, order: Order) -> Reply:
        session.not_found = 0
        session.misses = 0
        session.order_id, session.order_status = order.id, order.status
        text = address_text(order) if session.purpose == "address" else status_text(order, self.today())
        return Reply("answer", f"{text} {say.ANYTHING_ELSE}", order_id=order.id, anything_else=True)

    @staticmethod
    def _unavailable(session: Session, exc: OrdersUnavailable) -> Reply:
        log.warning("orders unavailable: %s", exc)
        session.offer, session.offer_value = "transfer", "requested_human"
        return Reply("clarify", say.ORDERS_UNAVAILABLE_OFFER, expects="yes_no", note=_UNAVAILABLE_NOTE)

    async def lookup(self, session: Session, number: str) -> Reply:
        """Look up a number the caller gave; re-ask once when unknown, then offer a human."""
        session.purpose = session.purpose or "status"
        try:
            order = await self.orders.get(number)
        except OrdersUnavailable as exc:
            return self._unavailable(session, exc)
        if order is not None:
            return self._found(session, order)
        session.not_found += 1
        session.failed_attempts += 1
        if session.not_found >= self.config.max_not_found:
            session.offer, session.offer_value = "transfer", "requested_human"
            text = say.ORDER_NOT_FOUND_OFFER.format(order_id=number)
            return Reply("clarify", text, expects="yes_no", order_id=number)
        text = say.worded("ORDER_NOT_FOUND", session.channel).format(order_id=number)
        return Reply("clarify", text, expects="order_number", order_id=number)

    async def for_agent(self, session: Session, text: str, wait: bool) -> None:
        """An order number said in a turn that goes to a person ("numer 48213, chcę złożyć reklamację"): the
        agent's summary names it. An order the service knows becomes the conversation's order, with its
        status; a number it does not know, or one not looked up (``wait`` False: an emergency waits for no
        service), is only mentioned. The turn is a transfer whatever is found."""
        cfg = self.config
        number = extract_order_number(text, cfg.min_order_digits, cfg.max_order_digits)
        if number is None or number == session.order_id or mentions_quantity(text):  # "12999 zł" is a price
            return
        session.slots["order_mentioned"] = f"{number} (nie sprawdzono)"
        try:
            order = await self.orders.get(number) if wait else None
        except OrdersUnavailable as exc:
            log.warning("orders unavailable for the agent's summary: %s", exc)
            return
        if order is not None:  # only a real order becomes the conversation's order
            session.order_id, session.order_status = order.id, order.status
            del session.slots["order_mentioned"]
        elif wait:
            session.slots["order_mentioned"] = f"{number} (nie znaleziono takiego zamówienia)"

    async def start(self, session: Session, purpose: Purpose, phone: str | None) -> Reply:
        """The caller asked about an order without a number: the one we already know, one matching their
        phone ("czy chodzi o zamówienie numer ...?"), or ask for the number."""
        session.purpose = purpose
        if session.order_id:
            return await self.lookup(session, session.order_id)
        if phone:
            try:
                match = await self.orders.latest_for_phone(phone)
            except OrdersUnavailable as exc:
                return self._unavailable(session, exc)
            if match is not None:
                session.offer, session.offer_value = "order", match.id
                return Reply("clarify", say.PHONE_MATCH_OFFER.format(order_id=match.id), expects="yes_no")
        return Reply("clarify", say.ASK_ORDER_NUMBER, expects="order_number")

    async def answer_offer(self, session: Session, yes: bool) -> Reply:
        """'Tak' to "czy chodzi o zamówienie numer ...?" gives its status; 'nie' asks for the number."""
        offered = session.offer_value
        session.offer, session.offer_value = None, None
        if yes and offered:
            return await self.lookup(session, offered)
        return Reply("clarify", say.ASK_ORDER_NUMBER, expects="order_number")

    @staticmethod
    def ask_again(session: Session) -> Reply:
        """Waiting for a number and none came: ask once more (counts as a miss)."""
        session.misses += 1
        session.failed_attempts += 1
        return Reply("clarify", say.worded("ASK_ORDER_NUMBER_AGAIN", session.channel), expects="order_number")

    async def step(self, s: Session, text: str, number: str | None, phone: str | None) -> Reply | None:
        """Order numbers and order/address questions; None when the turn is not about an order."""
        if number is not None and self.about_order(s, text):
            s.purpose = "address" if wants_address_change(text) else s.purpose
            return await self.lookup(s, number)
        if wants_address_change(text):
            return await self.start(s, "address", phone)
        if wants_order_status(text):
            return await self.start(s, "status", phone)
        if s.order_id and s.order_id in _bot_said_last(s) and asks_about_the_order(text):  # "a kiedy dotrze?"
            s.purpose = "status"
            return await self.lookup(s, s.order_id)
        if lacks_order_number(text, asked=s.expects == "order_number"):
            s.offer, s.offer_value = "transfer", "requested_human"
            return Reply("clarify", say.NO_ORDER_NUMBER_OFFER, expects="yes_no")
        return None

    @staticmethod
    def about_order(s: Session, text: str) -> bool:
        """A number in this turn is an order number (not a price, a date or a quantity)."""
        if s.expects == "order_number" or s.purpose is not None or mostly_number(text):
            return True
        if mentions_quantity(text):
            return False
        context = s.order_id is not None or s.offer == "transfer"  # "nie, to jest 48213"
        return context or is_correction(text) or wants_order_status(text) or wants_address_change(text)


def _bot_said_last(s: Session) -> str:
    """The bot's latest words in the conversation (the caller's current turn is already recorded)."""
    return next((text for role, text in reversed(s.history) if role == "bot"), "")
