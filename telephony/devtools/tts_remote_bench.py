"""``infolinia bench tts-remote``: what synthesizing a reply on the synthesis tier costs the caller's wait.

The same fresh replies (not pre-rendered, each said once per side so no cache answers) are synthesized at
the phone's 8 kHz twice, one side after the other so they never compete for the CPU: by the voice in this
process (``PiperSynthesizer``, as a gateway without ``INFOLINIA_TTS_REMOTE``) and through
``RemoteSynthesizer`` at an ``infolinia wyoming`` server (the servers of ``INFOLINIA_TTS_REMOTE`` when set,
else one started here as a child process on loopback). Time to first audio is what a caller waits for.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Sequence
from typing import Any

from telephony.devtools.asr_remote_bench import recognizer_server
from telephony.settings import Settings
from voice.ports import Synthesizer
from voice.tts_remote import RemoteSynthesizer

PHONE_RATE = 8000
WARM_UP = "Dzień dobry, w czym mogę pomóc?"
REPLIES = (
    "Pani zamówienie numer 4512 zostało wysłane wczoraj kurierem i dotrze jutro do godziny 14.",
    "Zwrot 129,99 zł zaksięgujemy w ciągu 5 dni roboczych od otrzymania paczki.",
    "Przesyłka czeka w paczkomacie przy ulicy Długiej 7 do piątku, 12 grudnia.",
    "Reklamację rozpatrzymy w ciągu 14 dni; o decyzji poinformujemy SMS-em.",
    "Sklep jest czynny od poniedziałku do soboty, od 9 do 20.",
)


async def time_replies(synthesizer: Synthesizer, replies: Sequence[str]) -> tuple[list[float], list[float]]:
    """Each reply once, streamed as a call plays it: (time to first audio, time to the whole reply), s."""
    first, whole = [], []
    for text in replies:
        started = time.perf_counter()
        got_first = None
        async for _ in synthesizer.stream(text, PHONE_RATE):
            got_first = got_first or time.perf_counter() - started
        first.append(got_first or 0.0)
        whole.append(time.perf_counter() - started)
    return first, whole


def _ms(values: Sequence[float]) -> dict[str, float]:
    ms = [v * 1000.0 for v in values]
    return {"median": round(statistics.median(ms), 1), "min": round(min(ms), 1), "max": round(max(ms), 1)}


async def run_tts_remote_bench(settings: Settings, local: Synthesizer) -> str:
    """Local, then remote (after one warm-up reply each); the figures as text for docs/benchmarks.md."""
    await local.synthesize(WARM_UP, PHONE_RATE)
    local_first, local_whole = await time_replies(local, REPLIES)
    async with recognizer_server(settings, synthesis=True) as uris:
        remote = RemoteSynthesizer(uris, None, timeout_s=60.0)
        await remote.synthesize(WARM_UP, PHONE_RATE)
        remote_first, remote_whole = await time_replies(remote, REPLIES)
    result: dict[str, Any] = {
        "replies": len(REPLIES),
        "local_first_audio_ms": _ms(local_first),
        "remote_first_audio_ms": _ms(remote_first),
        "local_whole_ms": _ms(local_whole),
        "remote_whole_ms": _ms(remote_whole),
    }
    return f"servers: {', '.join(uris)}\n{json.dumps(result, indent=2)}"
