"""The live phone call: loop, inbound ears, playout, admission, per-turn timing."""
