"""``bench nbest``: turns counted by outcome, with the first wording and with the n-best (lexical engine:
the bench's bookkeeping is under test here, the choice itself in tests/unit/dialog/test_nbest.py)."""

from __future__ import annotations

from dialog.domain_eval import fresh_engine
from dialog.factory import build_engine
from dialog.ports import Outcome, Transfer
from telephony.devtools.nbest_bench import compare, outcome_kind
from voice.ports import Transcript


def test_outcomes_are_counted_by_kind() -> None:
    assert outcome_kind(Outcome("s", "answer", "…", kb_id="dostawa")) == "answer"
    assert outcome_kind(Outcome("s", "clarify", "Czy chodzi o to: …?", expects="yes_no")) == "confirm"
    assert outcome_kind(Outcome("s", "answer", "…", order_id="48213")) == "order"
    assert outcome_kind(Outcome("s", "transfer", "…", transfer=Transfer("q", "urgent", 9, "…"))) == "transfer:urgent"
    assert outcome_kind(Outcome("s", "clarify", "Nie zrozumiałem.")) == "clarify"
    assert outcome_kind(Outcome("s", "answer", "Dzień dobry! W czym mogę pomóc?")) == "reply"  # small talk


async def test_compare_takes_each_turn_both_ways_and_prints_a_row_per_way() -> None:
    base = build_engine(semantic=False)
    heard = [
        ("Ile kosztuje dostawa?", Transcript("ile kosztuje dostawa", 0.8, 1.5, 0.1)),
        (
            "Pogoda jest ładna.",
            Transcript("pogoda jest ładna", 0.7, 1.2, 0.1, alternatives=(("pogoda jest ładną", -0.4),)),
        ),
        ("Cisza.", Transcript("", 0.0, 1.0, 0.1, rejected="low_logprob")),  # nothing heard: no turn
    ]
    r = await compare(lambda: fresh_engine(base), heard)
    assert r.kinds["first"]["answer"] == r.kinds["nbest"]["answer"] == 1
    assert sum(r.kinds["first"].values()) == sum(r.kinds["nbest"].values()) == 2
    assert r.words == 6 and r.edits["first"] == r.edits["nbest"] == 0 and r.changed == 0
    assert len(r.cost_s["nbest"]) == 2
    rows = r.rows("demo")
    assert rows[0].startswith("| demo | first wording | 1 / 0 / 0 (0) | 0.0 % |") and rows[-1].endswith("| 0 | | |")
