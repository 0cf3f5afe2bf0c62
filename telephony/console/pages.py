"""The agent console: ``/agents`` (server-rendered Polish UI), login by token, live updates over SSE.

Pages are Jinja2 templates (``telephony/console/templates/console*.html``) with a little vanilla JS and CSS
(``telephony/console/static/``): no front-end build. Every action is an ordinary form POST that also works
without JavaScript (303 back to the page); with JavaScript it is sent by ``fetch`` and answered in JSON.
Actions call the same repositories as the JSON API (``AgentRepo``, ``TransferStore``, callbacks) and
publish the same events, so the console and ``/v1/...`` never disagree.

Security: the token is posted once in a form body, compared by ``AgentRepo.authenticate``, never put in
a URL, a cookie or a log line. The session cookie is HttpOnly + SameSite=Strict (+ Secure and the
``__Host-`` prefix over HTTPS) and holds only a random id. POSTs from another origin are refused even
though SameSite already stops them. Nothing under ``/agents`` except the login page answers anonymously.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from telephony.access.guard import client_ip
from telephony.agents.roster import Agent
from telephony.console import actions as act
from telephony.console import chat_actions as chat_act
from telephony.console.deps import AgentsDeps, DepsProvider, admit_agent
from telephony.console.panels import render_context
from telephony.console.sse import SSE_HEADERS, present_stream
from telephony.console.web import ConsoleConfig, _Console, same_origin


def build_console_router(
    config: ConsoleConfig,
    get_deps: DepsProvider,
    on_available: act.OnAvailable | None = None,
) -> APIRouter:
    """The console under ``config.base_path``. ``get_deps`` resolves the shared ``AgentsDeps`` per request
    (as for the JSON API); ``on_available(queues)`` runs when an agent becomes available (default:
    ``AgentsDeps.on_available``, i.e. ``WarmTransfer.dispatch_queues``, the same as the JSON API's).
    Also mount ``console_static_files()`` at ``static_path``."""
    console = _Console(config, on_available)
    router = APIRouter(prefix=console.config.base_path, include_in_schema=False)
    Deps = Annotated[AgentsDeps, Depends(get_deps)]

    async def require_agent(request: Request, deps: Deps) -> str:
        agent_id = await console.agent_id(request, deps)
        if agent_id is None:
            raise HTTPException(401, "zaloguj się")
        return agent_id

    Me = Annotated[str, Depends(require_agent)]
    _auth_routes(router, console, Deps)
    _page_routes(router, console, Deps, Me)
    _action_routes(router, console, Deps, Me)
    _chat_routes(router, console, Deps, Me)
    return router


# the login page after „Wyloguj”: a bare form left the agent unsure whether calls still come to them
LOGGED_OUT_NOTICE = "Wylogowano. Nie przyjmujesz już połączeń."
LOGIN_REFUSALS = {
    401: "Nieprawidłowy token.",
    429: "Zbyt wiele prób logowania. Spróbuj ponownie za kilka minut.",
}


async def _login_agent(deps: AgentsDeps, client: str, token: str) -> tuple[Agent | None, HTTPException | None]:
    """The agent whose token this is, else the guard's refusal: the login goes through the same guard as the
    agents API (``admit_agent``), so a wrong token is a failed attempt of the address, a spent brake a 429
    even for a right token, and each token has its request rate (logins and API calls counted together)."""
    try:
        return await admit_agent(deps, client, token), None
    except HTTPException as exc:
        if exc.status_code not in LOGIN_REFUSALS:
            raise
        return None, exc


def _refused_login(console: _Console, request: Request, refused: HTTPException | None) -> Response:
    """The login page again, saying why in Polish; a 429 keeps the guard's ``Retry-After``."""
    status = 401 if refused is None else refused.status_code
    page = console.page(request, "console_login.html", {"error": LOGIN_REFUSALS[status]}, status)
    retry = (refused.headers or {}).get("Retry-After") if refused is not None else None
    if retry is not None:
        page.headers["Retry-After"] = retry
    return page


def _auth_routes(router: APIRouter, console: _Console, Deps: Any) -> None:
    cookie = console.config.cookie

    @router.get("/login")
    async def login_page(request: Request, deps: Deps) -> Response:
        if await console.agent_id(request, deps, hold=False) is not None:  # the form, never a 503
            return console.redirect()
        logged_out = request.query_params.get("wylogowano") is not None  # say so: a bare form did not
        return console.page(
            request, "console_login.html", {"error": None, "logged_out": logged_out and LOGGED_OUT_NOTICE}
        )

    @router.post("/login")
    async def login(request: Request, deps: Deps, token: Annotated[str, Form(max_length=512)] = "") -> Response:
        same_origin(request, console.config.public_url)
        sessions = console.sessions(deps)
        agent, refused = await _login_agent(deps, client_ip(request), token.strip())
        if agent is None:
            return _refused_login(console, request, refused)
        await sessions.revoke(console.sid(request))  # never keep a session id from before the login
        sid = await sessions.create(agent.id)
        response = console.redirect()
        _set_session_cookie(response, console, sid)
        return response

    @router.post("/logout")
    async def logout(request: Request, deps: Deps) -> Response:
        same_origin(request, console.config.public_url)
        agent_id = await console.sessions(deps).peek(console.sid(request))
        if agent_id is not None and not (await act.log_out(deps, agent_id))[0]:
            return console.redirect("?wyloguj=rozmowa")  # still logged in; the page says why
        await console.sessions(deps).revoke(console.sid(request))
        response = console.redirect("/login?wylogowano")  # the login page confirms it (``LOGGED_OUT_NOTICE``)
        response.delete_cookie(cookie.name, path="/", secure=cookie.secure, httponly=True, samesite="strict")
        return response


def _set_session_cookie(response: Response, console: _Console, sid: str) -> None:
    """The console session's cookie: HTTP-only, same-site strict, secure where the console is served over https."""
    cookie = console.config.cookie
    response.set_cookie(
        cookie.name, sid, max_age=cookie.max_age_s, path="/", secure=cookie.secure, httponly=True, samesite="strict"
    )


def _page_routes(router: APIRouter, console: _Console, Deps: Any, Me: Any) -> None:
    view = console.config.view

    @router.get("")
    async def console_page(request: Request, deps: Deps) -> Response:
        agent_id = await console.agent_id(request, deps)
        context = None if agent_id is None else await render_context(deps, agent_id, view)
        if context is None:  # anonymous, or the agent was removed from the roster
            return console.redirect("/login")
        refused = request.query_params.get("wyloguj") == "rozmowa"
        return console.page(request, "console.html", {**context, "logout_refused": refused and act.LOGOUT_REFUSED})

    @router.get("/panels")
    async def panels(deps: Deps, me: Me) -> Response:
        context = await render_context(deps, me, view)
        if context is None:
            raise HTTPException(401, "zaloguj się")
        # "now": the server's clock, which the page counts a ringing wait on (a PC's clock may be off)
        return JSONResponse({**console.panels(context), "now": deps.clock()}, headers={"Cache-Control": "no-store"})

    @router.get("/events")
    async def events(request: Request, deps: Deps, me: Me) -> StreamingResponse:
        sessions, sid = console.sessions(deps), console.sid(request) or ""
        stream = present_stream(deps.events, me, deps.presence, sessions, sid, console.config.keepalive_s)
        return StreamingResponse(stream, media_type="text/event-stream", headers=SSE_HEADERS)


def _action_routes(router: APIRouter, console: _Console, Deps: Any, Me: Any) -> None:
    view = console.config.view

    @router.post("/status")
    async def status(request: Request, deps: Deps, me: Me, status: Annotated[str, Form(max_length=20)]) -> Response:
        same_origin(request, console.config.public_url)
        return console.reply(request, await act.set_status(deps, me, status, console.on_available))

    @router.post("/wrap-up")
    async def wrap_up(
        request: Request,
        deps: Deps,
        me: Me,
        outcome: Annotated[str, Form(max_length=40)] = "",  # none chosen: refused in Polish (``act.wrap_up``)
        note: Annotated[str, Form(max_length=1000)] = "",
    ) -> Response:
        same_origin(request, console.config.public_url)
        return console.reply(request, await act.wrap_up(deps, view, me, outcome, note.strip(), console.on_available))

    @router.post("/callbacks/{callback_id}/claim")
    async def claim(request: Request, deps: Deps, me: Me, callback_id: str) -> Response:
        same_origin(request, console.config.public_url)
        return console.reply(request, await act.claim_callback(deps, me, callback_id))

    @router.post("/callbacks/{callback_id}/close")
    async def close(
        request: Request, deps: Deps, me: Me, callback_id: str, outcome: Annotated[str, Form(max_length=40)] = ""
    ) -> Response:
        same_origin(request, console.config.public_url)
        return console.reply(request, await act.close_callback(deps, view, me, callback_id, outcome))

    @router.post("/callbacks/{callback_id}/release")
    async def release(request: Request, deps: Deps, me: Me, callback_id: str) -> Response:
        same_origin(request, console.config.public_url)
        return console.reply(request, await act.release_callback(deps, me, callback_id))


def _chat_routes(router: APIRouter, console: _Console, Deps: Any, Me: Any) -> None:
    """Accept, decline, write and end a live chat (``telephony/console/actions.py``)."""
    Tid = Annotated[str, Form(min_length=1, max_length=64)]
    public_url = console.config.public_url

    @router.post("/chat/accept")
    async def accept(request: Request, deps: Deps, me: Me, transfer_id: Tid) -> Response:
        same_origin(request, public_url)
        return console.reply(request, await chat_act.accept_chat(deps, me, transfer_id))

    @router.post("/chat/decline")
    async def decline(request: Request, deps: Deps, me: Me, transfer_id: Tid) -> Response:
        same_origin(request, public_url)
        return console.reply(request, await chat_act.decline_chat(deps, me, transfer_id))

    @router.post("/chat/message")
    async def message(
        request: Request, deps: Deps, me: Me, transfer_id: Tid, text: Annotated[str, Form(max_length=2000)] = ""
    ) -> Response:
        same_origin(request, public_url)
        return console.reply(request, await chat_act.send_chat(deps, me, transfer_id, text))

    @router.post("/chat/end")
    async def end(request: Request, deps: Deps, me: Me, transfer_id: Tid) -> Response:
        same_origin(request, public_url)
        return console.reply(request, await chat_act.end_chat(deps, me, transfer_id))
