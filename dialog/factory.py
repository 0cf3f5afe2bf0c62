"""``build_engine``: a ready dialog engine from plain arguments (the gateway passes its Settings in).

With no paths it loads the demo shop bundled in ``dialog/data`` through importlib.resources, so the
installed package works out of the box; a shop replaces either file, or points at its orders service.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from dialog.engine import DialogEngine
from dialog.engine_config import EngineConfig
from dialog.engine_text import warm_up
from dialog.kb import load_kb
from dialog.orders import HttpOrders, JsonOrders, OrderLookup
from dialog.ports import KeyValueStore
from dialog.store import MemoryStore, SessionRepo


def bundled(name: str) -> Path:
    """Path of a bundled demo data file (``kb.yaml``, ``orders.json``)."""
    return Path(str(resources.files("dialog") / "data" / name))


def build_orders(orders_path: Path | None = None, orders_url: str | None = None, timeout_s: float = 3.0) -> OrderLookup:
    """The orders service when a URL is given, else the JSON file (the bundled demo when None)."""
    if orders_url:
        return HttpOrders(orders_url, timeout_s=timeout_s)
    return JsonOrders(orders_path or bundled("orders.json"))


def build_engine(
    kb_path: Path | None = None,
    orders_path: Path | None = None,
    orders_url: str | None = None,
    store: KeyValueStore | None = None,
    *,
    orders_timeout_s: float = 3.0,
    session_ttl_s: int = 3600,
    config: EngineConfig | None = None,
    clock: Callable[[], float] = time.time,
) -> DialogEngine:
    """Load the KB and orders (failing fast with a clear error on a bad file), and wire the engine.

    Blocking (file reads, KB indexing, the lemmatiser's dictionary): call it at start-up, not per turn.
    Without a ``store`` the sessions live in process memory (a single worker only).
    """
    kb = load_kb(kb_path or bundled("kb.yaml"))
    orders = build_orders(orders_path, orders_url, orders_timeout_s)
    warm_up()
    sessions = SessionRepo(store if store is not None else MemoryStore(), ttl_s=session_ttl_s)
    return DialogEngine(kb, orders, sessions, config or EngineConfig(), clock=clock)
