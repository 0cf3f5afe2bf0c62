"""Who may use the gateway and how much: API keys, development mode, rate limits, the recognizer share."""
