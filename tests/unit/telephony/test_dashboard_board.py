"""The dashboard's formatting (pure): figures written the Polish way, so a supervisor reads 2,5 s and 07.12."""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

from jinja2 import Environment, FileSystemLoader

from dialog.ports import Reason
from telephony import insights
from telephony.insights.board import agent_rows, agent_tiles, board, day, decimal, seconds
from telephony.insights.buckets import WAIT_BINS

TEMPLATES = Path(insights.__file__).parent / "templates"


def test_decimals_use_a_comma_and_days_read_day_first() -> None:
    assert [decimal(x) for x in (2.5, 120.0, 0.25)] == ["2,5", "120", "0,25"]
    assert decimal(4.5, ".2f") == "4,50" and decimal(None) == "–"
    assert seconds(2.5) == "2,5 s" and seconds(None) == "–"
    assert day("2026-12-07") == "07.12"


def test_agent_ratings_with_a_decimal_comma() -> None:
    rows = agent_rows(
        [{"id": "anna", "name": "Anna", "status": "available"}],
        {"anna": {"answered": 2, "csat_avg": 3.5, "csat_count": 2}},
    )
    assert rows[0]["csat"] == "3,50 (2)" and rows[0]["status"] == "Dostępny"


def _week() -> list[dict[str, object]]:
    return [
        {"date": f"2026-12-0{d}", "csat_avg": 4.5 if d == 7 else None, "containment": None, "turn_p95_s": 1.5}
        for d in range(1, 8)
    ]


def _snap(stats: dict[str, object], callbacks_due: int = 0) -> dict[str, object]:
    """A dashboard snapshot with ``stats`` today for every channel and the total, nobody live."""
    live = {"in_progress": {}, "waiting": 0, "longest_wait_s": 0, "callbacks_due": callbacks_due,
            "agents_by_status": {}, "agents": []}  # fmt: skip
    channels = {"phone": stats, "chat": stats, "speaker": stats}
    return {"live": live, "today": {"total": stats, "channels": channels, "agents": {}}, "week": _week()}


def _stats() -> dict[str, object]:
    frt = {"p50_s": 12.5, "p90_s": None, "exact": True, "bins": {**{f"{b:g}": 0 for b in WAIT_BINS}, "more": 0}}
    return {
        "conversations": 1, "contained": 0, "containment": 0.0, "unresolved": 0, "transferred": 1, "abandoned": 0,
        "csat_avg": 4.25, "csat_count": 4, "agent_frt": frt, "turn": {"p95_s": 2.5},
        "callbacks_in_time": 0, "callbacks_done": 0, "transfers_by_reason": {},
    }  # fmt: skip


def test_the_board_shows_polish_numbers_in_tables_and_charts() -> None:
    stats = _stats()
    snap = _snap(stats, callbacks_due=2)
    view = board(snap)
    total = view["channels"][-1]
    assert (total["csat_avg"], total["agent_frt_p50"], total["turn_p95"]) == ("4,25", "12,5 s", "≤ 2,5 s")
    assert ("callbacks_due", "Oddzwonienia do wykonania", "2") in view["tiles"]
    assert "kb_misses" not in [key for key, *_ in view["tiles"]]  # no history kept: no figure, not a false 0
    assert ("kb_misses", "Pytania bez odpowiedzi dziś", "3") in board({**snap, "kb_misses": 3})["tiles"]
    assert "07.12" in str(view["csat_trend"]) and "4,5" in str(view["csat_trend"])
    assert "12-07" not in str(view["latency_trend"]) and "≤ 1,5 s" in str(view["latency_trend"])
    assert "≤1,5 min" in str(view["frt"])  # not "1.5 min"


def test_the_unresolved_column_says_which_quiet_chats_it_counts() -> None:
    """Its hint names every case ``idle_outcome`` counts as unresolved, the hand-off nobody took included
    (it read "the bot's last answer was not an answer" and left that case out)."""
    stats = {**_stats(), "unresolved": 2}
    snap = _snap(stats, callbacks_due=0)
    html = Environment(loader=FileSystemLoader(TEMPLATES)).get_template("dashboard_panels.html").render(board(snap))
    hint = re.search(r'<th scope="col" title="([^"]*)">Bez rozwiązania</th>', html)
    assert hint is not None and '<td data-kpi="today.total.unresolved">2</td>' in html
    assert all(case in hint.group(1) for case in ("nie zrozumiał", "odpowiedź klienta", "prosił o konsultanta"))


def test_the_busy_tile_says_how_many_agents_are_only_being_rung() -> None:
    live = {
        "agents_by_status": {"busy": 3, "available": 1},
        "agents": [{"status": "busy", "ringing": "chat"}, {"status": "busy", "ringing": "phone"}, {"status": "busy"}],
    }
    tiles = {key: (label, value) for key, label, value in agent_tiles(live)}
    assert tiles["agents_busy"] == ("W rozmowie (w tym dzwoni: 2)", "3")
    assert tiles["agents_available"] == ("Dostępni", "1") and tiles["agents_offline"] == ("Niedostępni", "0")
    quiet = {key: label for key, label, _ in agent_tiles({"agents_by_status": {"busy": 1}, "agents": [{}]})}
    assert quiet["agents_busy"] == "W rozmowie"  # nobody rung: the plain label


def test_every_transfer_reason_is_named_in_polish_on_the_chart() -> None:
    """Found by a public office's walkthrough: "Powody przekazań" showed the raw key "individual_offer" beside
    "prośba o konsultanta" (and an emergency would have shown "urgent")."""
    stats = {**_stats(), "transfers_by_reason": {reason: 1 for reason in get_args(Reason)}}
    snap = _snap(stats, callbacks_due=0)
    chart = str(board(snap)["reasons"])
    assert "pilna sprawa" in chart and "oferta indywidualna" in chart
    assert not [reason for reason in get_args(Reason) if reason in chart], chart
