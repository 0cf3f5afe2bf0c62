"""What happened in past conversations, for the people who run the hotline: each conversation's record
(masked transcript, outcome, wrap-up notes, rating), searchable by caller, order and date, and the
questions the bot did not understand (the KB gaps report). Stored in Redis, bounded, purged with
``infolinia purge``."""
