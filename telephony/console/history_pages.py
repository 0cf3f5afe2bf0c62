"""The console's history pages: ``/agents/history`` (search past conversations: an agent their queues', a
supervisor all) and ``/agents/gaps`` (supervisors: the KB gaps report, with its KB-format download).

Server-rendered like the rest of the console (same login session, templates and stylesheet; no script
needed: the search is a GET form, so a search can be bookmarked and shared between colleagues). Every
transcript shown is recorded in the audit log of transcript reads, as on the console's main page.
"""

from dataclasses import dataclass
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse, Response

from dialog.gaps import to_kb_yaml
from telephony.agents.roster import Agent
from telephony.console.deps import AgentsDeps, DepsProvider
from telephony.console.web import SECURITY_HEADERS, ConsoleConfig, _Console
from telephony.history.api import HistoryParts, HistoryProvider
from telephony.history.view import row_view
from telephony.history.when import BadDate, day_start, parse_when
from voice.normalize_numbers import plural_index

Text = Annotated[str, Query(max_length=40)]
Days = Annotated[int, Query(ge=1, le=90)]
Period = Annotated[Literal["today"] | None, Query()]  # "today": since midnight (the dashboard tile's link)


def build_history_pages(config: ConsoleConfig, get_agents: DepsProvider, get_history: HistoryProvider) -> APIRouter:
    """``/history`` and ``/gaps`` (+ ``/gaps.yaml``) under the console's base path, with its login session."""
    console = _Console(config, None)
    router = APIRouter(prefix=config.base_path, include_in_schema=False)
    Agents = Annotated[AgentsDeps, Depends(get_agents)]
    History = Annotated[HistoryParts, Depends(get_history)]
    _history_page(router, console, Agents, History)
    _gaps_pages(router, console, Agents, History)
    return router


async def _who(console: _Console, request: Request, deps: AgentsDeps) -> Agent | None:
    """The agent logged in to the console, or None (the pages then send them to the login page)."""
    agent_id = await console.agent_id(request, deps)
    state = await deps.agents.get(agent_id) if agent_id else None
    return None if state is None else state.agent


# No ``from __future__ import annotations`` in this module: FastAPI must see Agents/History (locals of
# ``build_history_pages``) as evaluated annotations, not as strings it would look up in the module globals.


def _history_page(router: APIRouter, console: _Console, Agents: Any, History: Any) -> None:
    """The search form and its results; each transcript shown is recorded in the audit log."""

    @router.get("/history")
    async def history_page(
        request: Request, deps: Agents, history: History, caller: Text = "", order: Text = "", start: Text = "",
        end: Text = "",
    ) -> Response:  # fmt: skip
        me = await _who(console, request, deps)
        if me is None:
            return console.redirect("/login")
        form = {"caller": caller, "order": order, "start": start, "end": end}
        context: dict[str, Any] = {"me": me, "form": form, "rows": [], "error": None, "searched": False}
        context["orders"] = console.config.view.orders or bool(order)  # no orders source: no order number to search
        try:
            a, b = search_range(start, end, history.tz)
        except BadDate as exc:
            context["error"] = str(exc)
            return console.page(request, "console_history.html", context, status=422)
        context["searched"] = any(form.values())
        queues = None if me.supervisor else me.queues
        rows = await history.store.search(caller=caller or None, order=order or None, start=a, end=b, queues=queues)
        for row in rows:
            if row.get("transcript"):
                await deps.audit.record(me.id, "history", str(row["id"]), "console")
        names = {s.id: s.agent.name for s in await deps.agents.list()}  # whose note, by name
        context["rows"] = [row_view(r, history.tz, names) for r in rows]
        return console.page(request, "console_history.html", context)


def _gaps_pages(router: APIRouter, console: _Console, Agents: Any, History: Any) -> None:
    """The gaps report (supervisors) and its KB-format download."""

    @router.get("/gaps")
    async def gaps_page(
        request: Request, deps: Agents, history: History, days: Days = 7, period: Period = None
    ) -> Response:
        me = await _who(console, request, deps)
        if me is None:
            return console.redirect("/login")
        shown = gaps_period(deps.clock(), history.tz, days, period)
        if not me.supervisor:
            return console.page(
                request, "console_gaps.html", {"me": me, "forbidden": True, "period": shown}, status=403
            )
        gaps, resolved = await history.gaps.gaps(shown.since), await history.gaps.resolved(shown.since)
        counted = questions_in_groups(sum(g.count for g in gaps), sum(1 for g in gaps if not g.noise))
        context = {"me": me, "forbidden": False, "period": shown, "gaps": gaps, "counted": counted}
        return console.page(request, "console_gaps.html", {**context, "resolved": resolved})

    @router.get("/gaps.yaml")
    async def gaps_yaml(
        request: Request, deps: Agents, history: History, days: Days = 7, period: Period = None
    ) -> Response:
        me = await _who(console, request, deps)
        if me is None or not me.supervisor:
            return PlainTextResponse("tylko dla kierownika zmiany", status_code=403)
        since = gaps_period(deps.clock(), history.tz, days, period).since
        gaps, resolved = await history.gaps.gaps(since), await history.gaps.resolved(since)
        headers = {**SECURITY_HEADERS, "Content-Disposition": 'attachment; filename="kb-additions.yaml"'}
        return PlainTextResponse(to_kb_yaml(gaps, resolved=resolved), media_type="application/yaml", headers=headers)


@dataclass(frozen=True)
class GapsPeriod:
    """What the gaps page covers: from ``since`` (epoch) until now, its words in the heading, its query."""

    since: float
    title: str
    query: str


def gaps_period(now: float, tz: str, days: int, period: str | None) -> GapsPeriod:
    """``period=today``: since the local midnight, as the dashboard's "Pytania bez odpowiedzi dziś" counts
    (its link asks for this, so the figure and the list agree; "the last 24 h" was not what "dziś" says);
    otherwise the last ``days`` days."""
    if period == "today":
        return GapsPeriod(day_start(now, ZoneInfo(tz)), "dziś (od północy)", "period=today")
    title = "ostatnie 24 godziny" if days == 1 else f"ostatnie {days} dni"
    return GapsPeriod(now - days * 86400, title, f"days={days}")


def questions_in_groups(total: int, groups: int) -> str:
    """ "4 pytania w 3 grupach", "1 pytanie w 1 grupie", "5 pytań w 2 grupach": the gaps page's count line
    ("4 pytań" was one form for every number)."""
    if not total:  # nothing to count: the page's empty state says so ("0 pytań, żadne..." read as nonsense)
        return ""
    noun = ("pytanie", "pytania", "pytań")[plural_index(total)]
    if not groups:  # only turns that name nothing: no group to speak of
        which = "które" if total == 1 else "żadne"
        return f"{total} {noun}, {which} nie nadaje się do bazy wiedzy"
    return f"{total} {noun} w {groups} {'grupie' if groups == 1 else 'grupach'}"


BAD_DATE = "Nieprawidłowa data „{field}”: wybierz ją w kalendarzu albo wpisz jako RRRR-MM-DD, np. 2026-12-01."
BACKWARDS = "Data „Od” jest późniejsza niż data „Do”: zamień je miejscami."


def search_range(start: str, end: str, tz: str) -> tuple[float | None, float | None]:
    """The history form's dates as epoch seconds (``end``: the end of its day). ``BadDate`` carries a Polish
    sentence for the page: ``parse_when``'s own message is English, for the JSON API, and a range that
    runs backwards would otherwise just find nothing, as if there had been no calls."""
    try:
        a = parse_when(start, tz)
    except BadDate as exc:
        raise BadDate(BAD_DATE.format(field="Od")) from exc
    try:
        b = parse_when(end, tz, end=True)
    except BadDate as exc:
        raise BadDate(BAD_DATE.format(field="Do")) from exc
    if a is not None and b is not None and a > b:
        raise BadDate(BACKWARDS)
    return a, b
