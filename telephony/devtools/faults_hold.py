"""The "Twilio REST dies while a caller is on hold" fault of ``infolinia bench faults``: callers waiting in
the transfer's room, REST refused, the queue's maximum wait passed. Each hold repeat must speak (never
silence) and the star key must lead, with no REST call, to the callback offer; a voicemail left there is
stored (``telephony/transfer/escape.py``).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from telephony.devtools.faults import Row, _form, _spoken
from telephony.devtools.faults_world import FaultWorld


async def rest_down_on_hold(w: FaultWorld, callers: int = 5) -> Row:
    row = Row("twilio REST down with callers on hold")
    waiting = [await w.transfer("reklamacje") for _ in range(callers)]  # anna in wrap-up: they wait
    w.twilio.set_outage("refuse")
    silent_ticks, escaped, voicemails = 0, 0, 0
    for i, (tid, sid) in enumerate(waiting):
        record = await w.warm.p.store.get(tid)
        assert record is not None
        await w.warm.p.store.update(tid, enqueued_at=record.enqueued_at - 3600)  # past the maximum wait
        for _ in range(2):
            hold = await w.signed(f"/twilio/transfer/{tid}/hold", _form(sid))
            silent_ticks += not _spoken(hold) or "<Redirect" not in hold.text
        after = await w.signed(f"/twilio/transfer/{tid}/after-room", _form(sid, DialCallStatus="completed"))
        gather = ET.fromstring(after.text).find("Gather") if after.status_code == 200 else None
        escaped += gather is not None and _spoken(after)
        if gather is not None:
            await w.signed(gather.get("action", "").removeprefix(w.base), _form(sid, Digits="2"))
            rec = _form(sid, RecordingUrl=f"https://api.twilio.com/rec/REh{i}", RecordingDuration="6")
            await w.signed(f"/twilio/transfer/{tid}/voicemail", rec)
            stored = await w.gateway.transfer.agents.callbacks.get(f"cb-{tid}")  # type: ignore[union-attr]
            voicemails += bool(stored and stored.get("voicemail_url"))
    w.twilio.set_outage(None)
    row.figures = {
        "callers on hold": callers,
        "hold repeats without a word or a redirect": silent_ticks,
        "out by the star key to the callback offer": escaped,
        "voicemails stored": voicemails,
        "left queued": len(await w.warm.p.store.waiting("reklamacje")),
    }
    row.check(silent_ticks == 0, "a hold repeat without a word")
    row.check(escaped == callers and voicemails == callers, "a caller stranded on hold or a voicemail lost")
    row.check(row.figures["left queued"] == 0, "a caller left queued")
    return row
