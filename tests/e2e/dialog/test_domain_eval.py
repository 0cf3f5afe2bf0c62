"""The engine with the real embedding model on four unseen domains (tests/data/domains.yaml).

Levels asserted on the FROZEN split are just under what was measured when it was first run after
tuning (docs/benchmarks.md has the figures); the frozen cases were written before tuning and are never
edited. The tune split is asserted too, so a regression shows on both.
"""

from __future__ import annotations

from typing import Any

import pytest

from dialog import catalogue
from dialog.domain_eval import (
    Case,
    domain_engine_factory,
    evaluate_cases,
    evaluate_domains,
    load_cases,
    load_domains,
)
from dialog.nbest import Hypothesis
from dialog.ports import CallerInfo, Reason
from tests.support.paths import DATA

DOMAINS = DATA / "domains.yaml"

# Measured (frozen split): right / answered-right / urgent recall / requested_human recall, and how many
# neutral trigger-word questions were escalated. Second round (more prototypes, ASR-robust cues): urzad urgent
# recall 0.83 -> 1.0 (tightened), at the price of more in-domain questions sent to a human (agd right 0.70 ->
# 0.667, answered-right 0.59 -> 0.538; urzad one neutral question escalated): docs/benchmarks.md.
FROZEN_FLOOR = {
    "agd": {"right": 0.66, "answered_right": 0.53, "urgent": 1.0, "requested_human": 1.0, "neutral": 1},
    "telecom": {"right": 0.56, "answered_right": 0.35, "urgent": 0.8, "requested_human": 1.0, "neutral": 0},
    # Seventh session: the escalation refit with the clinic's tune split (requested_human similarity 0.915 ->
    # 0.895) caught urzad's missed request for a person: right 0.689 -> 0.711, requested_human recall 0.75 -> 1.0.
    "urzad": {"right": 0.70, "answered_right": 0.55, "urgent": 1.0, "requested_human": 1.0, "neutral": 1},
    # A clinic's hotline, written blind by someone else (2026-12-06, seventh session) and measured before its
    # tune split was used for anything: right 0.772, one of 6 out-of-domain questions answered. The
    # escalation refit with its tune split changed none of its frozen figures.
    "klinika": {
        "right": 0.77,
        "answered_right": 0.67,
        "urgent": 1.0,
        "requested_human": 1.0,
        "neutral": 1,
        "ood": 1 / 6,
    },
}


# Measured (tune split, after its second batch of colloquial and ASR-like cases, 2026-12-06): right and
# out-of-domain questions answered. The second batch made the tune split as hard as the frozen one (right
# 0.80-0.85 -> 0.70-0.73); one near-domain question ("czy robicie naprawy samochodów" to a shop with an
# appliance repair service) is answered.
# Sixth round (diacritics restored for the embedding model, cue fixes): agd 0.703 -> 0.743, urzad 0.725 -> 0.745.
TUNE_FLOOR = {
    "agd": {"right": 0.74, "ood_answered": 1 / 6},
    "telecom": {"right": 0.72, "ood_answered": 0.0},
    "urzad": {"right": 0.74, "ood_answered": 0.0},
    "klinika": {"right": 0.67, "ood_answered": 1 / 6},  # "czy mogę przyjść na wizytę z psem" is answered
}


@pytest.fixture(scope="module")
def reports() -> dict[tuple[str, str], dict[str, Any]]:
    import asyncio

    return {(d, s): r for d, s, r in asyncio.run(evaluate_domains(DOMAINS))}


@pytest.mark.parametrize("domain", sorted(FROZEN_FLOOR))
def test_frozen_split_levels(reports: dict[tuple[str, str], dict[str, Any]], domain: str) -> None:
    r, floor = reports[(domain, "frozen")], FROZEN_FLOOR[domain]
    assert r["right"] >= floor["right"] - _one(r["cases"]), r["failures"]
    assert r["answered_right"] >= floor["answered_right"] - _one(r["in_domain"]), r["failures"]
    assert r["answered_wrong"] <= 0.05 and r["ood_answered"] <= floor.get("ood", 0.05) + 1e-9, r["failures"]
    for reason in ("urgent", "requested_human"):
        if r["reasons"][reason]["recall"] < floor[reason]:
            _only_missed_by_rounding(domain, reason, r["failures"])
    assert r["neutral_escalated"] <= floor["neutral"], r["failures"]


NOISE = 0.001  # how far the 4-bit embedding kernels' last bits move a cosine between CPUs (measured: 0.0002)


def _only_missed_by_rounding(domain: str, reason: Reason, failures: list[dict[str, Any]]) -> None:
    """Recall under its floor is allowed only for cases that sit on the fitted threshold, closer than
    ``NOISE``: urzad's frozen split has a request for a person whose margin is 0.0098 against the fitted
    0.01 on an AMD EPYC and above it on an Intel Xeon (same code and model). Anything missed by more is a
    regression and fails here."""
    found = next(d for d in load_domains(DOMAINS) if d.name == domain)
    engine = domain_engine_factory(found)()
    assert engine.meaning is not None
    limit = engine.meaning.thresholds[reason]
    for failure in (f for f in failures if f["expected"] == reason):
        close = engine.meaning.closeness(failure["text"], engine.kb.best_similarity)  # type: ignore[attr-defined]
        short = max(limit.similarity - close.reasons[reason], limit.margin - close.margin(reason))
        assert short <= NOISE, (failure, close)


@pytest.mark.parametrize("domain", sorted(TUNE_FLOOR))
def test_tune_split_levels(reports: dict[tuple[str, str], dict[str, Any]], domain: str) -> None:
    r, floor = reports[(domain, "tune")], TUNE_FLOOR[domain]
    assert r["right"] >= floor["right"] - _one(r["cases"]), r["failures"]
    assert r["top1"] >= 0.9 - _one(r["in_domain"]), r["failures"]
    assert r["ood_answered"] <= floor["ood_answered"] + 1e-9, r["failures"]
    turns = sum(1 + len(c.before) for c in load_cases(DATA / f"domain_{domain}_tune.yaml"))  # follow-ups: 2+
    assert r["latency_ms"]["cpu_p95"] > 0.0 and r["latency_ms"]["turns"] == turns
    assert r["reasons"]["urgent"]["recall"] == 1.0 and r["reasons"]["requested_human"]["recall"] == 1.0
    assert r["neutral_escalated"] == 0, r["failures"]
    # a miss offers the two nearest entries: measured 0.05 / 0.12 / 0.125 / 0.07 of in-domain cases got the
    # right one among them (2026-12-06, seventh session), where the fixed examples offered it to none
    assert r["suggest_right"] >= 0.05 - _one(r["in_domain"]), r["failures"]


def _one(n: int) -> float:
    """One case of slack on a rate over ``n`` cases: a question whose two best entries are nearly tied can
    flip with the last bits of the 4-bit embedding kernels (their SIMD paths may differ between CPUs); the
    telecom tune split's top-1 measured 0.947 on one machine and 0.895 on another with the same code."""
    return 1.0 / max(n, 1) + 1e-9


async def test_a_miss_offers_the_two_nearest_entries_and_a_pick_answers() -> None:
    """The real model: a free-delivery question the shop's KB words differently is not understood, the
    two nearest entries are offered, and "pierwsze" gets the delivery price."""
    agd = next(d for d in load_domains(DOMAINS) if d.name == "agd")
    engine, caller = domain_engine_factory(agd)(), CallerInfo(channel="chat")
    offer = await engine.handle(None, "czy wysyłka jest za darmo", caller)
    assert offer.action == "clarify" and offer.expects == "choice" and "ile kosztuje dostawa" in offer.reply
    pick = await engine.handle(offer.session_id, "pierwsze", caller)
    assert pick.action == "answer" and pick.kb_id == "dostawa-koszt"
    # "żadne z nich" sits near "I want a person" by meaning (0.899): said to the offer it asks for other words
    offer = await engine.handle(None, "czy wysyłka jest za darmo", caller)
    declined = await engine.handle(offer.session_id, "żadne z nich", caller)
    assert declined.transfer is None and declined.reply == catalogue.KB_OTHER_WORDS_WRITTEN


async def test_no_orders_source_never_asks_for_an_order_number() -> None:
    telecom = next(d for d in load_domains(DOMAINS) if d.name == "telecom")
    engine = domain_engine_factory(telecom)()
    assert engine.orders is None
    caller = CallerInfo(channel="chat")
    sid = (await engine.greet(None, caller)).session_id
    for text in ["chcę zmienić adres instalacji na nowy", "gdzie jest moja paczka", "12345678"]:
        out = await engine.handle(sid, text, caller)
        assert out.expects != "order_number" and "zamówienia" not in out.reply


async def test_follow_up_is_read_against_the_previous_topic() -> None:
    agd = next(d for d in load_domains(DOMAINS) if d.name == "agd")
    case = Case(text="a ile to kosztuje", before=["ile trwa dostawa lodówki"], kb_id="dostawa-koszt")
    r = await evaluate_cases(domain_engine_factory(agd), [case])
    assert r["answered_right"] + r["confirm_right"] == 1.0, r["failures"]


async def test_nbest_turn_goes_ahead_with_the_understood_hypothesis() -> None:
    agd = next(d for d in load_domains(DOMAINS) if d.name == "agd")
    engine = domain_engine_factory(agd)()
    caller = CallerInfo(channel="phone")
    sid = (await engine.greet(None, caller)).session_id
    hyps = [Hypothesis("ile kosz tuje wnie sienie lo dówki", 0.6), Hypothesis("ile kosztuje wniesienie lodówki", 0.5)]
    out = await engine.handle_nbest(sid, hyps, caller)
    assert out.kb_id == "wniesienie" and out.heard == "ile kosztuje wniesienie lodówki"


# The phone path's 3-best of everyday sentences from the shared recordings (8 kHz, Whisper base): each first
# wording is handled as not understood; with the n-best scored by every reason to escalate, the second
# wordings went to the emergency queue on all four KBs (docs/benchmarks.md, the n-best on the phone path).
GARBLED_EVERYDAY = [
    [
        ("Podczas wakacji udało mi się zobaczyć Dolphin", 0.794),
        ("Podczas wakacji udało mi się zobaczyć Dolfinę", 0.784),
    ],
    [
        ("Moja wizwiana przyszłość jest jasna i wyraźna", 0.829),
        ("Moja wizwiona przyszłość jest jasna i wyraźna", 0.814),
    ],
    [("październiku zaczyna się jeść", 0.527), ("Pajz wierniku zaczyna się jeść", 0.52)],
    [("Kupiłem nowy słowny kienzy kaczyszpęskiego", 0.468), ("Kupiłem nowy słowem kienzy kaczyszpęskiego", 0.46)],
]


@pytest.mark.parametrize("beam", GARBLED_EVERYDAY, ids=lambda b: b[0][0][:24])
async def test_a_garbled_wording_behind_the_first_does_not_send_everyday_talk_to_a_human(beam: Any) -> None:
    agd = next(d for d in load_domains(DOMAINS) if d.name == "agd")
    engine = domain_engine_factory(agd)()
    caller = CallerInfo(channel="phone")
    sid = (await engine.greet(None, caller)).session_id
    out = await engine.handle_nbest(sid, [Hypothesis(t, c) for t, c in beam], caller)
    assert out.action != "transfer" and out.heard == beam[0][0]


async def test_an_order_number_asked_for_is_read_from_the_wording_that_has_it() -> None:
    agd = next(d for d in load_domains(DOMAINS) if d.name == "agd")
    engine = domain_engine_factory(agd)()
    caller = CallerInfo(channel="phone")  # no caller number: the order is not found by it, so it is asked for
    sid = (await engine.greet(None, caller)).session_id
    asked = await engine.handle(sid, "gdzie jest moja paczka", caller)
    assert asked.expects == "order_number"
    hyps = [Hypothesis("Czteryś oś dwa jedentsy", 0.6), Hypothesis("4, 8, 2, 1, 3", 0.55)]
    out = await engine.handle_nbest(sid, hyps, caller)
    assert out.order_id == "48213" and out.heard == "4, 8, 2, 1, 3"


async def test_flow_set_with_understanding_by_meaning() -> None:
    """The demo shop's escalation/order set (tests/data/dialog_eval_flow.yaml) with the full engine the
    gateway builds (hybrid KB, escalation by meaning): meaning must not cost the cues' recall or precision."""
    from dialog.engine import DialogEngine
    from dialog.eval_flow import evaluate_flow, load_items
    from dialog.factory import build_engine
    from dialog.store import MemoryStore, SessionRepo

    base = build_engine()

    def factory() -> DialogEngine:
        return DialogEngine(base.kb, base.order_source, SessionRepo(MemoryStore()), base.config, meaning=base.meaning)

    report = await evaluate_flow(factory, load_items(DOMAINS.parent / "dialog_eval_flow.yaml"))
    for reason in ("urgent", "complaint", "requested_human"):
        assert report["reasons"][reason]["recall"] == 1.0, report["failures"]
    assert report["escalation"]["precision"] >= 0.98 and report["accuracy"] >= 0.97, report["failures"]


@pytest.mark.parametrize(
    ("domain", "typed", "entry"),
    [
        ("agd", "mam karte podarunkowa jak ja wykorzystac", "karta-podarunkowa"),
        ("agd", "czy moge zaplacic przy odbiorze", "platnosci-metody"),
        ("urzad", "jak sie zameldowac na stale", "meldunek"),
    ],
)
async def test_a_message_without_diacritics_is_understood(domain: str, typed: str, entry: str) -> None:
    """Chat messages typed without Polish letters: the embedding model reads them restored (dialog.diacritics).
    Before, the first was sent to the urgent queue and the others were not understood. Answered or "czy
    chodzi o…?" about the right entry: which of the two can move with the last bits of the 4-bit kernels."""
    found = next(d for d in load_domains(DOMAINS) if d.name == domain)
    r = await evaluate_cases(domain_engine_factory(found), [Case(text=typed, kb_id=entry, kind="asr")])
    assert r["answered_right"] + r["confirm_right"] == 1.0, r["failures"]


async def test_everyday_talk_is_not_an_emergency() -> None:
    """Sentences that have nothing to do with the service (``kind: everyday`` in tests/data/escalation_tune.yaml)
    on every KB. Measured 1 of 24 escalated per KB; 3-5 before the everyday neutral prototypes
    (dialog/data/escalation_prototypes.yaml). One of slack for the 4-bit kernels' last bits."""
    import yaml

    items = yaml.safe_load((DATA / "escalation_tune.yaml").read_text(encoding="utf-8"))["items"]
    everyday = [i["text"] for i in items if i.get("kind") == "everyday"]
    assert len(everyday) == 24
    caller = CallerInfo(channel="chat")
    for domain in load_domains(DOMAINS):
        make = domain_engine_factory(domain)
        escalated = [t for t in everyday if (await make().handle(None, t, caller)).transfer is not None]
        assert len(escalated) <= 2, (domain.name, escalated)


@pytest.mark.parametrize(("domain", "said", "channel"), [("telecom", "Pięć", "phone"), ("agd", "zero", "chat")])
async def test_a_number_said_alone_is_not_answered_from_the_kb(domain: str, said: str, channel: str) -> None:
    """The phone recordings' "pięć" and "zero" were answered with the 5G and the 0 % instalments entries.
    ("zero" alone on the phone is the greeting's "press zero" said aloud: a person, tests/unit/dialog.)"""
    engine = domain_engine_factory(next(d for d in load_domains(DOMAINS) if d.name == domain))()
    caller = CallerInfo(channel=channel)
    sid = (await engine.greet(None, caller)).session_id
    out = await engine.handle(sid, said, caller)
    assert out.kb_id is None and out.action == "clarify"


async def test_a_clinic_hears_no_shop_words_and_an_emergency_after_a_vague_opener_is_urgent() -> None:
    """A clinic operator's walkthrough: a complaint about a doctor heard "dział reklamacji"; a chest pain with
    agents on duty heard no 112. A review: neutral prototypes of vague openers ("w sprawie tego, co było"),
    tried against vague talk sent to the emergency queue, hid an emergency said after such an opener."""
    klinika = next(d for d in load_domains(DOMAINS) if d.name == "klinika")
    engine, caller = domain_engine_factory(klinika)(), CallerInfo(channel="chat")
    for opener in (
        "chodzi o badanie, a teraz mam silny ból w klatce piersiowej",
        "dzwonię w sprawie tego, co było ostatnio, bo mąż zemdlał",
    ):
        out = await engine.handle(None, opener, caller)
        assert out.transfer is not None and out.transfer.reason == "urgent", opener
    pain = await engine.handle(None, "mój tata ma silny ból w klatce piersiowej i drętwieje mu ręka", caller)
    assert pain.transfer is not None and pain.transfer.reason == "urgent" and "112" in pain.reply
    assert "spokojny" not in pain.transfer.summary
    doctor = await engine.handle(None, "chcę złożyć skargę na lekarza, był bardzo niegrzeczny", caller)
    assert doctor.transfer is not None and doctor.transfer.reason == "complaint"
    assert "dział" not in doctor.reply and "skarga" in doctor.reply
