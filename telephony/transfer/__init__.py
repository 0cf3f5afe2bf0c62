"""The warm transfer: queue, hold loop, ringing agents, Twilio callbacks, prompt audio."""
