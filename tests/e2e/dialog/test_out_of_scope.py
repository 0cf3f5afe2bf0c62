"""Out-of-scope questions that share words with a KB, and everyday paraphrases of what it answers, with the real
sentence model on four domain KBs, as the chat API plays them (``out_of_scope_cases``: written before any change,
by reading only the KBs). An out-of-scope question must hear the plain "nie zrozumiałem" re-prompt: no answer,
no "czy chodzi o…?", no two topics offered, no transfer. A paraphrase must reach its entry: answered, confirmed,
or offered among two. ``STILL_WRONG`` lists what the engine does not do right yet; every other case is asserted.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from dialog.domain_eval import domain_engine_factory, load_domains
from dialog.engine import DialogEngine
from dialog.engine_kb import KBStep
from dialog.ports import CallerInfo
from tests.e2e.dialog.out_of_scope_cases import IN_SCOPE, OUT_OF_SCOPE, STILL_WRONG
from tests.support.paths import DATA

CHAT = CallerInfo(channel="chat")


@pytest.fixture(scope="module")
def engines() -> dict[str, Callable[[], DialogEngine]]:
    """A fresh-engine factory per domain (one loaded KB each)."""
    return {d.name: domain_engine_factory(d) for d in load_domains(DATA / "domains.yaml") if d.name in OUT_OF_SCOPE}


def _cases(table: dict[str, list[str]] | dict[str, list[tuple[str, str]]]) -> list[tuple[str, object]]:
    return [
        (domain, case)
        for domain, cases in table.items()
        for case in cases
        if (case if isinstance(case, str) else case[0]) not in STILL_WRONG[domain]
    ]


@pytest.mark.parametrize(("domain", "text"), _cases(OUT_OF_SCOPE))
async def test_an_out_of_scope_question_is_not_understood(
    engines: dict[str, Callable[[], DialogEngine]], domain: str, text: str
) -> None:
    engine = engines[domain]()
    out = await engine.handle(None, text, CHAT)
    assert out.transfer is None and out.kb_id is None and out.expects not in ("choice", "yes_no"), out.reply
    assert out.reply == engine.kb_step.clarify(1, engine.orders is not None, written=True)


@pytest.mark.parametrize(("domain", "case"), _cases(IN_SCOPE))
async def test_an_everyday_paraphrase_reaches_its_entry(
    engines: dict[str, Callable[[], DialogEngine]], domain: str, case: tuple[str, str]
) -> None:
    text, entry = case
    engine = engines[domain]()
    out = await engine.handle(None, text, CHAT)
    assert out.transfer is None, out.transfer
    if out.action == "answer":
        assert out.kb_id == entry
    elif out.expects == "choice":
        session = await engine.sessions.load(out.session_id)
        assert session is not None and entry in (session.offer_value or "").split("\t")
    else:
        question = engine.kb.entries[entry].questions[0]  # type: ignore[attr-defined]
        assert out.reply == KBStep.confirm_text(question)


def test_the_still_wrong_cases_are_cases() -> None:
    """Every case listed as still wrong is one of the written cases (a typo would silently assert nothing)."""
    for domain, wrong in STILL_WRONG.items():
        written = set(OUT_OF_SCOPE[domain]) | {text for text, _ in IN_SCOPE[domain]}
        assert set(wrong) <= written, set(wrong) - written
