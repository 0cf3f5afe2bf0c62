"""Order look-up: a JSON file (demo, small shops) or the shop's HTTP service.

HTTP contract of an orders service (``HttpOrders``), kept deliberately tiny so any shop can expose it:

- ``GET {base_url}/orders/{id}`` -> 200 with one order object, or 404 when the id is unknown.
- ``GET {base_url}/orders?phone=+48600100200`` -> 200 with ``{"orders": [...]}`` (possibly empty),
  newest last or with any order; the engine picks the one with the latest ``eta``/position.
- An order object: ``{"id": "48213", "status": "shipped", "carrier": "InPost", "tracking": "...",
  "eta": "2026-11-25", "phone": "+48600100200"}``; ``status`` is one of placed, paid, packed, shipped,
  delivered, cancelled, returned; every field but ``id`` and ``status`` may be null or missing.
- Timeouts, connection errors, 5xx and malformed bodies raise ``OrdersUnavailable``: the engine then
  apologises and offers a human instead of pretending the order does not exist.
"""

from __future__ import annotations

import asyncio
import json
import re
from datetime import date
from pathlib import Path
from typing import Literal, Protocol

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from dialog.yaml_errors import describe_not_utf8

Status = Literal["placed", "paid", "packed", "shipped", "delivered", "cancelled", "returned"]
STATUSES: tuple[Status, ...] = ("placed", "paid", "packed", "shipped", "delivered", "cancelled", "returned")


class Order(BaseModel):
    """One order as the caller may ask about it."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    status: Status
    carrier: str | None = None
    tracking: str | None = None
    eta: date | None = None
    phone: str | None = None

    @field_validator("id", mode="before")
    @classmethod
    def _id_as_text(cls, v: object) -> object:
        return str(v).strip() if isinstance(v, int | str) else v


class _OrdersFile(BaseModel):
    """The file format: strict, so a typo in a hand-edited file fails loudly."""

    model_config = ConfigDict(extra="forbid")
    orders: list[Order]


class _OrdersList(BaseModel):
    """The HTTP list format: lenient, a service may add paging fields."""

    model_config = ConfigDict(extra="ignore")
    orders: list[Order]


class OrdersUnavailable(Exception):
    """The order system cannot answer right now (timeout, 5xx, bad data): not the same as 'unknown id'."""


class OrdersFileError(ValueError):
    """The orders JSON file is missing or invalid; the message names the file and the bad field."""


class OrderLookup(Protocol):
    """Where the engine finds orders."""

    async def get(self, order_id: str) -> Order | None: ...

    async def latest_for_phone(self, phone: str) -> Order | None: ...


def phone_key(phone: str) -> str:
    """Comparable form of a Polish phone number: the last 9 digits ("+48 600-100-200" -> "600100200")."""
    return re.sub(r"\D", "", phone)[-9:]


def _latest(orders: list[Order]) -> Order | None:
    """The order a caller most likely calls about: the latest expected delivery, else the last listed."""
    if not orders:
        return None
    indexed = list(enumerate(orders))
    return max(indexed, key=lambda io: (io[1].eta or date.min, io[0]))[1]


def _format_errors(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err["loc"])
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


class JsonOrders:
    """Orders from a JSON file ``{"orders": [...]}``, read and validated once, at construction."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            raw = json.loads(path.read_text(encoding="utf-8-sig"))  # a BOM (Windows tools), as YAML allows
        except FileNotFoundError as exc:
            raise OrdersFileError(f"{path}: orders file not found") from exc
        except UnicodeDecodeError as exc:  # Python's own text named no file (the fifth hostile probe)
            raise OrdersFileError(describe_not_utf8(path, exc)) from None
        except OSError as exc:  # a folder, no permission: `infolinia check` died with a traceback
            raise OrdersFileError(f"{path}: cannot read the orders file: {exc.strerror or exc}") from None
        except json.JSONDecodeError as exc:
            raise OrdersFileError(f"{path}: not valid JSON ({exc})") from exc
        try:
            orders = _OrdersFile.model_validate(raw).orders
        except ValidationError as exc:
            raise OrdersFileError(f"{path}: invalid orders file: {_format_errors(exc)}") from exc
        self._by_id: dict[str, Order] = {}
        for order in orders:
            if order.id in self._by_id:
                raise OrdersFileError(f"{path}: duplicate order id {order.id!r}")
            self._by_id[order.id] = order
        self._orders = orders

    async def get(self, order_id: str) -> Order | None:
        return self._by_id.get(order_id.strip())

    async def latest_for_phone(self, phone: str) -> Order | None:
        key = phone_key(phone)
        if len(key) < 9:
            return None
        return _latest([o for o in self._orders if o.phone and phone_key(o.phone) == key])


class HttpOrders:
    """Orders from the shop's HTTP service (contract in the module docstring)."""

    def __init__(self, base_url: str, timeout_s: float = 3.0, client: httpx.AsyncClient | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self._client = client or httpx.AsyncClient(timeout=timeout_s)

    async def _get_json(self, path: str, params: dict[str, str] | None = None) -> object | None:
        """Parsed JSON body, None on 404; anything else that is not 200 means 'unavailable'."""
        try:
            # httpx's timeout bounds each read, not the request: a service that drips a byte a second never
            # trips it. The whole request gets the same budget, so a caller waits timeout_s at most.
            async with asyncio.timeout(self.timeout_s):
                resp = await self._client.get(f"{self.base_url}{path}", params=params)
        except TimeoutError as exc:
            raise OrdersUnavailable(f"orders service took longer than {self.timeout_s:g} s for {path}") from exc
        except httpx.HTTPError as exc:
            raise OrdersUnavailable(f"orders service unreachable: {type(exc).__name__}: {exc}") from exc
        if resp.status_code == 404:
            return None
        if resp.status_code != 200:
            raise OrdersUnavailable(f"orders service answered HTTP {resp.status_code} for {path}")
        try:
            return resp.json()
        except ValueError as exc:
            raise OrdersUnavailable(f"orders service sent invalid JSON for {path}") from exc

    async def get(self, order_id: str) -> Order | None:
        order_id = order_id.strip()
        if not order_id.isalnum():
            return None  # never put caller text with slashes or dots into a URL path
        body = await self._get_json(f"/orders/{order_id}")
        if body is None:
            return None
        try:
            return Order.model_validate(body)
        except ValidationError as exc:
            raise OrdersUnavailable(f"orders service sent a bad order: {_format_errors(exc)}") from exc

    async def latest_for_phone(self, phone: str) -> Order | None:
        if len(phone_key(phone)) < 9:
            return None
        body = await self._get_json("/orders", params={"phone": phone})
        if body is None:
            return None
        try:
            orders = _OrdersList.model_validate(body).orders
        except ValidationError as exc:
            raise OrdersUnavailable(f"orders service sent a bad list: {_format_errors(exc)}") from exc
        key = phone_key(phone)
        return _latest([o for o in orders if o.phone is None or phone_key(o.phone) == key])

    async def close(self) -> None:
        await self._client.aclose()
