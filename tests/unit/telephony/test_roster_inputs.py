"""The roster as an operator may get it wrong (the fifth hostile probe): each mistake stops `infolinia check`
and start-up with the file named, never a login as somebody else."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from telephony.agents.roster import RosterError, hash_token, load_roster


def agent(agent_id: str, token: str, **extra: str) -> dict[str, object]:
    return {
        "id": agent_id,
        "name": agent_id.title(),
        "contact": "+48221112233",
        "queues": ["obsluga"],
        "token_sha256": hash_token(token),
        **extra,
    }


def test_two_agents_with_one_token_are_refused(tmp_path: Path) -> None:
    """A hash line copied to a second agent: the token logged in as whichever came last, here a supervisor."""
    path = tmp_path / "agents.yaml"
    rows = [agent("anna", "tok-anna"), agent("szef", "tok-anna", role="supervisor")]
    path.write_text(yaml.safe_dump({"agents": rows}), encoding="utf-8")
    with pytest.raises(RosterError) as err:
        load_roster(path)
    assert str(path) in str(err.value)
    assert "agents 'anna' and 'szef' have the same token_sha256: each agent needs their own token" in str(err.value)
    rows[1] = agent("szef", "tok-szef", role="supervisor")
    path.write_text(yaml.safe_dump({"agents": rows}), encoding="utf-8")
    assert [a.id for a in load_roster(path)] == ["anna", "szef"]


def test_a_roster_not_in_utf8_names_the_file_line_and_fix(tmp_path: Path) -> None:
    """Python's own "'utf-8' codec can't decode byte 0xb3 in position 26" named not even the file."""
    path = tmp_path / "agents.yaml"
    text = yaml.safe_dump({"agents": [agent("lukasz", "tok", name="Łukasz")]}, allow_unicode=True)
    path.write_bytes(text.encode("cp1250"))
    with pytest.raises(RosterError) as err:
        load_roster(path)
    line = text.splitlines().index(next(li for li in text.splitlines() if "Łukasz" in li)) + 1
    assert str(err.value) == f"agents roster {path}: not UTF-8 at line {line} (byte 0xa3): save the file as UTF-8"
