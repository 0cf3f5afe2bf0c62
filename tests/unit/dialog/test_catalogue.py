"""The catalogue's default wording, heard by callers of any operator: a shop, a clinic or a public office."""

from __future__ import annotations

import re
from pathlib import Path

from dialog import catalogue as say
from dialog.factory import build_engine
from dialog.ports import CallerInfo
from dialog.store import MemoryStore

OFFICE_KB = """\
brand: Urząd Gminy Zielonka Wielka
entries:
  - id: podatek-termin
    questions: ["Do kiedy trzeba zapłacić podatek od nieruchomości?", "Kiedy płaci się podatek od domu?"]
    answer: Podatek od nieruchomości płaci się w czterech ratach, do 15 marca, maja, września i listopada.
  - id: smieci
    questions: ["Kiedy jest wywóz śmieci?", "Gdzie znajdę harmonogram odbioru odpadów?"]
    answer: Harmonogram odbioru odpadów jest na stronie internetowej gminy.
"""
SHOP_WORDS = re.compile(r"dział|sprzeda|sklep|zamówie|ofert", re.IGNORECASE)  # "skarga lub reklamacja" fits all


async def test_a_citizen_negotiating_a_tax_hears_no_shop_department(tmp_path: Path) -> None:
    """Found by a public office's walkthrough: a citizen asking to spread a tax over instalments was told
    "Ofertę indywidualną przygotuje nasz dział sprzedaży" by the municipal office's hotline, and its agent read
    "Prośba o ofertę indywidualną lub negocjację ceny"."""
    kb = tmp_path / "kb.yaml"
    kb.write_text(OFFICE_KB, encoding="utf-8")
    engine = build_engine(kb, store=MemoryStore(), semantic=False, vectors_dir=None)
    out = await engine.handle(None, "chciałbym rozłożyć podatek na raty, da się to negocjować?", CallerInfo("chat"))
    assert out.transfer is not None and out.transfer.reason == "individual_offer"
    assert out.reply == say.TRANSFER_WRITTEN["individual_offer"] and "konsultant" in out.reply  # a chat
    assert not SHOP_WORDS.search(out.reply), out.reply
    assert "indywidualnie" in out.transfer.summary and "ceny" not in out.transfer.summary  # the agent's card too


def test_no_default_transfer_sentence_names_a_shop_department() -> None:
    """Every reason's hand-over sentence fits an office and a clinic as well as a shop."""
    for reason, text in say.TRANSFER.items():
        assert not SHOP_WORDS.search(text), (reason, text)
