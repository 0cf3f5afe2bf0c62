"""The browser playground: talk to the phone pipeline with a microphone (``/playground``)."""
