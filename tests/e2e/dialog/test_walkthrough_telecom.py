"""A fifth knowledge base that nothing was tuned on: a telecom operator's own KB and its callers' turns, both
written by a walkthrough from README.md alone, before looking at how the engine matches
(tests/data/walkthrough_telecom). What a caller must never get is asserted turn by turn (an out-of-scope
question answered, an emergency without the 112 advice or an angry caller given it, the wrong queue); the
KB's answers as a level (measured on 2026-12-07: 28 of 28 right, none wrong), as the frozen splits are."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import yaml

from dialog import catalogue
from dialog.factory import build_engine
from dialog.kb import load_kb
from dialog.ports import CallerInfo, Outcome
from tests.support.paths import DATA

HERE = DATA / "walkthrough_telecom"
KB_ROWS = 28
RIGHT_AT_LEAST = 27  # measured 28: one turn of slack for a later retrieval change, never a wrong answer


def conversations() -> list[dict[str, Any]]:
    return list(yaml.safe_load((HERE / "turns.yaml").read_text(encoding="utf-8"))["conversations"])


@pytest.fixture(scope="module")
def outcomes() -> list[tuple[dict[str, Any], Outcome]]:
    """The last outcome of every conversation, each in a session of its own, on the chat channel."""
    return _run(HERE / "kb.yaml", conversations())


def _run(kb: Path, rows: list[dict[str, Any]]) -> list[tuple[dict[str, Any], Outcome]]:
    async def go() -> list[tuple[dict[str, Any], Outcome]]:
        engine, caller, out = build_engine(kb_path=kb), CallerInfo(channel="chat"), []
        for row in rows:
            sid = None
            for text in row["turns"]:
                last = await engine.handle(sid, text, caller)
                sid = last.session_id
            out.append((row, last))
        return out

    return asyncio.run(go())


def _offers(outcome: Outcome, entry: str) -> bool:
    """ "Czy chodzi o to: <the entry's first question>?", alone or as one of two topics."""
    first = load_kb(HERE / "kb.yaml").entries[entry].questions[0].rstrip("?")
    return outcome.expects in ("yes_no", "choice") and first[0].lower() + first[1:] in outcome.reply


def test_what_a_caller_must_never_get(outcomes: list[tuple[dict[str, Any], Outcome]]) -> None:
    for row, out in outcomes:
        if "transfer" in row:
            assert out.action == "transfer" and out.transfer is not None, (row, out)
            assert out.transfer.reason == row["transfer"], (row, out)
            assert ("112" in out.reply) is bool(row.get("urgent_112")), (row, out)
            # the agent is briefed on a danger only where there is one (an angry caller's was "zagrożenie życia")
            assert ("zagrożenie" in out.transfer.summary) is bool(row.get("urgent_112")), (row, out)
        elif row.get("miss"):
            assert out.action == "clarify" and out.kb_id is None, (row, out)  # out of scope: never an answer
        elif row.get("line_check"):  # "halo, słychać mnie?" went to the emergency queue
            assert out.action == "answer" and out.reply == catalogue.LINE_CHECK_WRITTEN, (row, out)
        elif row.get("end"):
            assert out.action == "end", (row, out)
        else:
            expected = row.get("answer") or row["confirm"]
            assert out.action != "transfer", (row, out)
            assert out.kb_id in (None, expected), (row, out)  # never another entry's answer


def test_the_kbs_answers_hold_their_measured_level(outcomes: list[tuple[dict[str, Any], Outcome]]) -> None:
    rows = [(row, out) for row, out in outcomes if "answer" in row or "confirm" in row]
    right = [
        row["turns"][-1]
        for row, out in rows
        if out.kb_id == (row.get("answer") or row.get("confirm")) or _offers(out, row.get("confirm") or row["answer"])
    ]
    assert len(rows) == KB_ROWS
    assert len(right) >= RIGHT_AT_LEAST, sorted({r["turns"][-1] for r, _ in rows} - set(right))


def test_an_emergency_carries_the_kbs_answer_only_where_the_kb_is_sure(
    outcomes: list[tuple[dict[str, Any], Outcome]],
) -> None:
    """What a caller nobody can take at once is told to do after the 112 advice (``Transfer.answer``): the
    entry the KB was sure of for that turn ("ukradli mi telefon": how to block the SIM card); never for an
    angry caller, a complaint or a request for a person; nothing where the KB knows nothing (gas). The
    engine's own reply, what an agent taking the call follows, is unchanged."""
    kb = load_kb(HERE / "kb.yaml")
    answers = {row["turns"][-1]: out.transfer.answer for row, out in outcomes if out.transfer is not None}
    assert answers.pop("ukradli mi telefon i ktoś dzwoni z mojego numeru") == kb.entries["kradziez-telefonu"].answer
    # a SIM swap's victim: not how to get a duplicate, the very thing done against them (an entry not about blocking)
    assert answers.pop("ktoś wyrobił duplikat mojej karty sim i nie mam zasięgu") is None
    assert not any(answers.values()), answers  # gas, impersonation, angry, complaints, people, offers: none
    for row, out in outcomes:
        if out.transfer is not None and out.transfer.answer:
            assert out.reply == catalogue.TRANSFER_WRITTEN["urgent"], (row, out)
