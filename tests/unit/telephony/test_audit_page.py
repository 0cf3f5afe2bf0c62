"""The audit log page's rows (pure): the Polish local time, the agent's name, what was read, from where."""

from __future__ import annotations

from telephony.console.audit_page import audit_row, within


def test_a_read_as_a_supervisor_reads_it() -> None:
    entry = {"at": "2026-12-07T04:35:09+00:00", "agent": "anna", "kind": "callback", "id": "cb-1", "via": "console"}
    row = audit_row(entry, {"anna": "Anna Nowak"}, "Europe/Warsaw")
    assert row == {"when": "07.12.2026 05:35:09", "agent": "Anna Nowak", "agent_id": "anna",
                   "kind": "prośba o oddzwonienie", "id": "cb-1", "via": "konsola"}  # fmt: skip
    gone = audit_row({**entry, "agent": "kasia", "via": "api"}, {}, "Europe/Warsaw")  # left the roster since
    assert (gone["agent"], gone["via"]) == ("kasia", "API")


def test_how_long_one_read_counts_once() -> None:
    assert [within(s) for s in (600, 60, 120, 30)] == ["10 minut", "1 minuty", "2 minut", "30 s"]
