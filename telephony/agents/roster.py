"""Agents and the roster file they are first loaded from.

The roster (``INFOLINIA_AGENTS_PATH``) is the source of who exists, how to reach them, which queues they
serve and the sha256 of their secret token; Redis (``telephony/agents/repo.py``) holds what changes at
run time (status, idle since, reservations) so every worker sees the same thing. Only the hash of a
token is ever stored: a leaked roster or Redis dump does not let anyone log in.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any, Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from dialog.yaml_errors import describe_not_utf8, describe_yaml_error

AgentStatus = Literal["available", "busy", "wrap_up", "offline"]
Role = Literal["agent", "supervisor"]
STATUSES: tuple[str, ...] = get_args(AgentStatus)

_CONTACT = re.compile(r"^(\+[1-9]\d{6,14}|client:[A-Za-z0-9_.\-]{1,120}|sips?:\S{3,200})$")
_ID = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class RosterError(ValueError):
    """The roster file is missing, unreadable or invalid; the message says which agent and field."""


def hash_token(token: str) -> str:
    """Hex sha256 of an agent's secret token: what the roster and Redis keep instead of the token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Agent(BaseModel):
    """One agent as the roster describes them. Extra keys are kept (teams, languages, ...)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: str
    name: str = Field(..., min_length=1, max_length=200)
    contact: str  # "+48…" (E.164), "client:<identity>" or "sip:<address>"
    queues: tuple[str, ...] = Field(..., min_length=1)
    token_sha256: str
    status: AgentStatus = "offline"  # the initial status, used only when Redis has none yet
    # An agent sees and acts only on their queues' transfers, callbacks and waiting callers; a supervisor
    # sees every queue and reads the transcript audit log (README "Security").
    role: Role = "agent"

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not _ID.match(v):
            raise ValueError("id: letters, digits, '_', '-', '.' only (it appears in URLs and Redis keys)")
        return v

    @field_validator("contact")
    @classmethod
    def _contact(cls, v: str) -> str:
        v = v.strip()
        if not _CONTACT.match(v):
            raise ValueError("contact must be an E.164 number (+48…), client:<identity> or sip:<address>")
        return v

    @field_validator("token_sha256")
    @classmethod
    def _sha(cls, v: str) -> str:
        v = v.strip().lower()
        if not _SHA256.match(v):
            raise ValueError("token_sha256 must be 64 hex digits (sha256 of the agent's token)")
        return v

    def serves(self, queue: str) -> bool:
        return queue in self.queues

    @property
    def supervisor(self) -> bool:
        return self.role == "supervisor"

    def sees(self, queue: str | None) -> bool:
        """May this agent see (and act on) what belongs to ``queue``? Supervisors see every queue."""
        return self.supervisor or (queue is not None and queue in self.queues)

    def public(self) -> dict[str, Any]:
        """What other agents and the console may see: never the token hash, never the contact."""
        return {"id": self.id, "name": self.name, "queues": list(self.queues), "role": self.role}

    def to_json(self) -> str:
        return self.model_dump_json()


class Roster(BaseModel):
    """The file's top level: ``agents: [...]`` with unique ids."""

    model_config = ConfigDict(extra="allow")

    agents: list[Agent] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> Roster:
        """Ids and tokens are each one agent's. Two agents with one token (a hash line copied) logged in as
        whichever came last in the roster, a supervisor too (the fifth hostile probe)."""
        seen: set[str] = set()
        tokens: dict[str, str] = {}
        for agent in self.agents:
            if agent.id in seen:
                raise ValueError(f"agent id {agent.id!r} appears twice")
            seen.add(agent.id)
            if (first := tokens.setdefault(agent.token_sha256, agent.id)) != agent.id:
                raise ValueError(
                    f"agents {first!r} and {agent.id!r} have the same token_sha256: each agent needs their own token"
                )
        return self


def parse_roster(data: Any, source: str = "") -> list[Agent]:
    """Validate an already-parsed roster document (``{"agents": [...]}``); raises RosterError naming
    ``source`` (the file) and every problem (up to five), each with its agent's index and id."""
    if data is None:
        return []
    try:
        return Roster.model_validate(data).agents
    except ValidationError as exc:
        problems = "; ".join(_where(data, err["loc"]) + f": {err['msg']}" for err in exc.errors()[:5])
        raise RosterError(f"invalid agents roster{' ' + source if source else ''}: {problems}") from exc


def _where(data: Any, loc: tuple[Any, ...]) -> str:
    """``agents[0] (id 'anna'): contact`` for pydantic's ``('agents', 0, 'contact')``."""
    if len(loc) < 2 or loc[0] != "agents" or not isinstance(loc[1], int):
        return ".".join(str(part) for part in loc) or "roster"
    agents = data.get("agents") if isinstance(data, dict) else None
    entry = agents[loc[1]] if isinstance(agents, list) and loc[1] < len(agents) else None
    name = f" (id {entry['id']!r})" if isinstance(entry, dict) and isinstance(entry.get("id"), str) else ""
    rest = ".".join(str(part) for part in loc[2:])
    return f"agents[{loc[1]}]{name}" + (f": {rest}" if rest else "")


def load_roster(path: Path) -> list[Agent]:
    """Read and validate the roster YAML. Blocking file I/O: call at start-up (or in a thread)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise RosterError(f"agents roster {describe_not_utf8(path, exc)}") from None
    except OSError as exc:
        raise RosterError(f"cannot read agents roster {path}: {exc}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RosterError(f"agents roster {describe_yaml_error(path, exc)}") from None
    return parse_roster(data, str(path))
