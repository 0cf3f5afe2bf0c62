"""The one function every "this agent is now available" path goes through.

Why one: an agent can become available from the JSON API (``PUT /v1/agents/{id}/status``), from the
console's status button, and by finishing wrap-up (API or console). Each must ring a caller already
waiting in the agent's queues at once; a path that forgot to would leave the caller to the hold loop,
which only looks again at its next repeat (``hold_repeat_s``, 45 s) while the agent sits idle.
The dispatch itself is ``WarmTransfer.dispatch_queues``, wired in as ``AgentsDeps.on_available``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from telephony.agents.repo import AgentRepo

log = logging.getLogger(__name__)

# Called with the queues of an agent who just became available (``WarmTransfer.dispatch_queues``).
OnAvailable = Callable[[Sequence[str]], Awaitable[object]]


async def agent_available(agents: AgentRepo, agent_id: str, dispatch: OnAvailable | None) -> bool:
    """Ring waiting callers of ``agent_id``'s queues now; True when a dispatch ran.

    Call it after the status change is stored. Nothing happens without a dispatcher (no warm transfer:
    no Redis, or a deployment without phones) or when the agent is no longer available (another worker
    already reserved them for a caller). A failing dispatch is logged, not raised: the status change
    stands, and the hold loop's next repeat retries.
    """
    if dispatch is None:
        return False
    state = await agents.get(agent_id)
    if state is None or state.status != "available":
        return False
    try:
        await dispatch(state.agent.queues)
    except Exception:
        log.exception("dispatch after agent %s became available failed", agent_id)
        return False
    return True
