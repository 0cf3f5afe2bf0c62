"""The agent console and the agents' JSON API: pages, SSE, actions, view models."""
