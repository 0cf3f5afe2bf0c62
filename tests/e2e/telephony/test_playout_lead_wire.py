"""Barge-in with a long outbound lead, over the real wire: a real uvicorn gateway, the real Twilio router and
call pipeline, and the call simulator's far end (Twilio's buffer: played 20 ms per tick, marks returned once
played, everything dropped on ``clear``), in real time with tone audio.

With ``playout_lead_s`` 1.5 most of a reply sits in Twilio's buffer when the caller talks over it: the
``clear`` must drop it (nothing of the reply plays after the caller started), and the call record must say
what the far end actually played, not what had been sent.
"""

from __future__ import annotations

from pathlib import Path

from dialog.ports import Outcome
from dialog.store import MemoryStore
from telephony.call.deps import record_key
from telephony.devtools.simulator_run import run_simulation
from tests.support.call import AmplitudeVAD, ScriptedDialog
from tests.support.gateway import PUBLIC, TOKEN, LengthRecognizer, deps_for, gateway, tone_wav
from tests.support.speech import ToneSynthesizer

LONG_REPLY = "To jest długa odpowiedź. Ma kilka zdań. Każde zdanie trwa chwilę. Rozmówca jej nie dosłucha."


async def test_barge_in_with_a_long_lead_drops_the_queued_reply_and_records_what_played(tmp_path: Path) -> None:
    dialog, store = ScriptedDialog(), MemoryStore()
    dialog.replies["krótkie pytanie"] = Outcome("s1", "answer", LONG_REPLY)  # about 4 s of tone at 40 ms a char
    recognizer = LengthRecognizer("krótkie pytanie", "długie pytanie")
    deps = deps_for(dialog, store, recognizer, ToneSynthesizer(40.0), AmplitudeVAD, playout_lead_s=1.5)
    turns = [tone_wav(tmp_path / "short.wav", 0.8), tone_wav(tmp_path / "long.wav", 1.4)]
    async with gateway(deps, store) as base:
        result = await run_simulation(turns, base, public_url=PUBLIC, auth_token=TOKEN, barge_in=True, store=store)
    assert dialog.handled == ["krótkie pytanie", "długie pytanie"]
    far = sorted((s for s in result.segments if s.mark.startswith("t1-")), key=lambda s: int(s.mark.split("-")[1]))
    first_cut = next(i for i, s in enumerate(far) if s.interrupted)  # the sentence the caller talked over
    cut, later = far[first_cut], far[first_cut + 1 :]
    assert later and all(s.interrupted and s.played_s == 0.0 for s in later)  # sent ahead, then dropped by the clear
    record = await store.get(record_key(result.call_sid))
    assert record is not None
    bot = {e["id"]: e for e in record["transcript"] if e["role"] == "bot" and e["turn"] == 1}
    assert bot[cut.mark]["status"] == "interrupted"
    assert abs(bot[cut.mark]["heard_s"] - cut.played_s) <= 0.1  # what played, not the 1.5 s sent ahead of it
    assert all(bot[s.mark]["status"] in ("interrupted", "unsent") and bot[s.mark]["heard"] == "" for s in later)
    assert all(bot[s.mark]["status"] == "heard" for s in far[:first_cut])
    assert "Rozmówca jej nie dosłucha" not in " ".join(e["heard"] for e in bot.values())
