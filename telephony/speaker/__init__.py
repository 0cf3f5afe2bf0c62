"""Smart speakers and devices: the Wyoming server for Home Assistant and the HTTP voice-turn API."""
