"""Twilio's edge: wire format, media-stream channel, webhooks and stream routes, signatures, REST, TwiML."""
