"""Personal data retention: how long each kind of record is kept, and the purge that enforces it."""
