"""The real gateway app (``create_app``) with its access policy, over the suite's real Redis, served by real
uvicorn in a thread; speech is off and the dialog is scripted, so only the guards are under test."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import yaml

from dialog.store import MemoryStore
from telephony.access.keys import hash_secret
from telephony.agents.roster import Agent
from telephony.app.factory import create_app
from telephony.app.services import Services
from telephony.settings import Settings
from tests.support.agents import new_prefix, token_of
from tests.support.call import ScriptedDialog
from tests.support.servers import serve_in_thread

API_KEY = "inf_test-kiosk-key-0123456789abcdefghijklmnopqrstuv"
PUBLIC = "http://gateway.test"  # not a loopback host: no development mode


def agent(agent_id: str, queues: Sequence[str], role: str = "agent") -> Agent:
    return Agent.model_validate(
        {
            "id": agent_id,
            "name": f"Agent {agent_id}",
            "contact": f"client:{agent_id}",
            "queues": list(queues),
            "token_sha256": hash_secret(token_of(agent_id)),
            "status": "offline",
            "role": role,
        }
    )


def settings_for(redis_url: str, tmp: Path, agents: Sequence[Agent] = (), **overrides: Any) -> Settings:
    roster = tmp / "agents.yaml"
    roster.write_text(yaml.safe_dump({"agents": [a.model_dump(mode="json") for a in agents]}), encoding="utf-8")
    values: dict[str, Any] = {
        "redis_url": redis_url,
        "redis_prefix": new_prefix(),
        "public_url": PUBLIC,
        "api_keys": f"kiosk={hash_secret(API_KEY)}",
        "speech": False,
        "twilio_auth_token": "test-auth-token",
        "agents_path": str(roster),
        "log_json": False,
        **overrides,
    }
    return Settings.model_validate(values)


@contextmanager
def gateways(settings: Settings, count: int = 1) -> Iterator[list[str]]:
    """``count`` gateway apps (like workers) with these settings, each on real HTTP; yields base URLs."""
    with ExitStack() as stack:
        urls = []
        for _ in range(count):
            services = Services(settings, MemoryStore(), ScriptedDialog())
            urls.append(stack.enter_context(serve_in_thread(create_app(settings, services), lifespan="auto")))
        yield urls


def key(secret: str = API_KEY) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}
