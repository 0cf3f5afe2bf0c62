"""How long each kind of record that holds personal data is kept (``INFOLINIA_RETENTION_*``).

Why per kind: a chat session is working memory for an hour, a transfer's transcript matters while the
agent handles the call and its wrap-up, a callback must survive until somebody calls back, and a voicemail
recording at Twilio is the most sensitive of all (the caller's voice). The stores set these as Redis TTLs
on every write; ``infolinia purge`` (``telephony.retention.purge``) deletes what is older now, also after
the settings were lowered, and deletes voicemail recordings at Twilio, which no TTL can reach.
"""

from __future__ import annotations

from dataclasses import dataclass

DAY = 86400


@dataclass(frozen=True)
class Retention:
    """Seconds each kind is kept. Defaults: the README's "Personal data" table."""

    sessions_s: int = 3600  # dialog/chat sessions (sliding: from the last turn); INFOLINIA_SESSION_TTL_S
    transcripts_s: int = 7 * DAY  # call records with the heard transcript (call:<CallSid>:transcript)
    transfers_s: int = 2 * DAY  # transfer records: summary, transcript, caller number
    callbacks_s: int = 30 * DAY  # callback requests (and voicemail links on them)
    voicemails_s: int = 30 * DAY  # voicemail recordings, deleted at Twilio by the purge

    @classmethod
    def from_days(
        cls, sessions_s: int, transcripts: float, transfers: float, callbacks: float, voicemails: float
    ) -> Retention:
        return cls(
            sessions_s=sessions_s,
            transcripts_s=round(transcripts * DAY),
            transfers_s=round(transfers * DAY),
            callbacks_s=round(callbacks * DAY),
            voicemails_s=round(voicemails * DAY),
        )
