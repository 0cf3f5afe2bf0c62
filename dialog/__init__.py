"""The shared dialog engine (text only): knowledge base, orders, escalation, sessions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dialog.factory import build_engine as build_engine


def __getattr__(name: str) -> Any:
    # Lazy so that `import dialog.ports` stays cheap (the factory pulls in simplemma and bm25s).
    if name == "build_engine":
        from dialog.factory import build_engine

        return build_engine
    raise AttributeError(name)
