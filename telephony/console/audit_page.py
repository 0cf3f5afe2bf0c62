"""``/agents/audit``: the audit log of transcript reads (who read which caller's conversation, when, from
where) as a page for supervisors. Until now only ``GET /v1/audit`` showed it, as JSON for a token holder:
a supervisor answering a customer's "who saw my data?" had no page to look it up on.

Server-rendered like the history pages (same login session, templates and stylesheet); a GET form narrows
it to one agent, so a filtered view can be bookmarked. One page reads at most ``TranscriptAudit.scan_cap``
entries of the stream: looking for a rare agent stops there, says so, and links on from where it stopped.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from telephony.agents.audit import stream_id
from telephony.console.deps import AgentsDeps, DepsProvider
from telephony.console.web import ConsoleConfig, _Console

SHOWN = 200  # reads on one page; its "older" link (a stream id) shows the ones before them
Text = Annotated[str, Query(max_length=64)]
KIND_LABELS = {
    "transfer": "przekazanie do konsultanta",
    "callback": "prośba o oddzwonienie",
    "history": "historia rozmów",
}
VIA_LABELS = {"console": "konsola", "api": "API"}


def build_audit_page(config: ConsoleConfig, get_agents: DepsProvider) -> APIRouter:
    console = _Console(config, None)
    router = APIRouter(prefix=config.base_path, include_in_schema=False)
    Agents = Annotated[AgentsDeps, Depends(get_agents)]

    @router.get("/audit")
    async def audit_page(
        request: Request, deps: Agents, agent: Text = "", before: Annotated[str, Query(max_length=48)] = ""
    ) -> Response:
        agent_id = await console.agent_id(request, deps)
        state = await deps.agents.get(agent_id) if agent_id else None
        if state is None:
            return console.redirect("/login")
        me = state.agent
        if not me.supervisor:
            return console.page(request, "console_audit.html", {"me": me, "forbidden": True}, status=403)
        names = {s.agent.id: s.agent.name for s in await deps.agents.list()}
        cursor = stream_id(before)  # a hand-edited link: from the newest again
        page = await deps.audit.page(SHOWN, agent or None, cursor)
        rows = [audit_row(e, names, config.view.timezone) for e in page.entries]
        context = {"me": me, "forbidden": False, "rows": rows, "agents": sorted(names.items(), key=lambda a: a[1])}
        context |= {"agent": agent, "shown": SHOWN, "once": within(deps.audit.dedup_s), "before": cursor}
        context |= {"older": page.older, "capped": page.capped, "scanned": deps.audit.scan_cap}
        return console.page(request, "console_audit.html", context)

    return router


def audit_row(entry: Mapping[str, str], names: Mapping[str, str], tz: str) -> dict[str, Any]:
    """One read as people read it: the local time the Polish way, the agent's name, what was read."""
    try:
        when = datetime.fromisoformat(entry.get("at", "")).astimezone(ZoneInfo(tz)).strftime("%d.%m.%Y %H:%M:%S")
    except ValueError:
        when = entry.get("at", "")
    who = entry.get("agent", "")
    kind = entry.get("kind", "")
    return {
        "when": when,
        "agent": names.get(who, who),
        "agent_id": who,
        "kind": KIND_LABELS.get(kind, kind),
        "id": entry.get("id", ""),
        "via": VIA_LABELS.get(entry.get("via", ""), entry.get("via", "")),
    }


def within(seconds: int) -> str:
    """ "10 minut", "1 minuty", "30 s": how long the same read counts once (the audit's ``dedup_s``)."""
    if seconds % 60:
        return f"{seconds} s"
    minutes = seconds // 60
    return f"{minutes} {'minuty' if minutes == 1 else 'minut'}"
