"""What ``infolinia check`` prints: a finding of several lines (a KB with several bad entries) stays in its
column, so each problem reads as part of that finding and not as a stray line of the report."""

from __future__ import annotations

from telephony.app.check_report import render
from telephony.app.findings import Finding
from telephony.settings import Settings


def test_a_finding_of_several_lines_keeps_its_column() -> None:
    findings = [
        Finding("ok", "brand", "'Rowerownia' (from knowledge base)"),
        Finding("fail", "knowledge base", "kb.yaml:5: entries[1]: answer: empty\nkb.yaml:9: entries[2]: id: missing"),
    ]
    lines = render(Settings(), findings).splitlines()
    first = lines.index("  FAIL  knowledge base  kb.yaml:5: entries[1]: answer: empty")
    assert lines[first + 1] == " " * len("  FAIL  knowledge base  ") + "kb.yaml:9: entries[2]: id: missing"
    assert lines[-1] == "NOT READY: 1 problem(s): knowledge base"
