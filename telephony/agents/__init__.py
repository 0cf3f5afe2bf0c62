"""The ground floor of agents: roster, run-time state in Redis, dispatch, callbacks, hours, routing, waits, events."""
