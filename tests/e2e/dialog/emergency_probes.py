"""Shared by the emergency probe tests: one engine per test KB (built once per run), a fresh session per turn."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from dialog.engine import DialogEngine
from dialog.factory import build_engine
from dialog.kb import load_kb
from dialog.ports import CallerInfo, Outcome

DATA = Path(__file__).parents[2] / "data"
KBS = {
    "water": DATA / "walkthrough_water" / "kb.yaml",
    "shop": Path(__file__).parents[3] / "dialog" / "data" / "kb.yaml",
    "telecom": DATA / "domain_telecom_kb.yaml",
    "walkthrough": DATA / "walkthrough_telecom" / "kb.yaml",
    "agd": DATA / "domain_agd_kb.yaml",
    "urzad": DATA / "domain_urzad_kb.yaml",
    "klinika": DATA / "domain_klinika_kb.yaml",
}


@cache
def engine(kb: str) -> DialogEngine:
    return build_engine(KBS[kb])


def answer_of(kb: str, entry: str) -> str:
    return load_kb(KBS[kb]).entries[entry].answer


async def said(kb: str, text: str) -> Outcome:
    """``text`` as the first turn of a phone call to the engine on ``kb``."""
    return await engine(kb).handle(None, text, CallerInfo(channel="phone"))


def urgent(outcome: Outcome) -> bool:
    return outcome.transfer is not None and outcome.transfer.reason == "urgent"
