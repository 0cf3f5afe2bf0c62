"""Saying a reply on a call: synthesis runs ahead in a producer task while the playout paces the audio.

Apart from the playout (``telephony/call/playout.py``, pacing, marks and what the caller heard): this is
the one place where synthesized audio meets the line, so a barge-in (cancelling ``speak``) stops both.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import numpy as np

from telephony.call.playout import RATE, Playout, Segment
from voice.ports import PCM, Synthesizer

Item = tuple[Segment, PCM | None] | BaseException  # a chunk of a sentence, its end (None), or the failure


async def speak(
    playout: Playout,
    synthesizer: Synthesizer,
    segments: list[Segment],
    on_first_audio: Callable[[float], None] | None = None,
    pause_s: float = 0.15,
) -> None:
    """Say ``segments`` in order: synthesis runs ahead in a producer task while the sender paces audio.

    Each sentence is synthesized on its own (one mark each), so the pause a synthesizer leaves between
    the sentences of one text is added here: ``pause_s`` of silence before the next sentence.

    Cancelling this coroutine (barge-in) or a synthesis error stops both; the caller must then call
    ``playout.clear()``, which settles the segment that was being sent.
    """
    if not segments:
        return
    queue: asyncio.Queue[Item] = asyncio.Queue()
    producer = asyncio.create_task(_produce(synthesizer, segments, queue))
    current: list[Segment] = []  # the segment being sent, if any (settled however this ends)
    try:
        await _send_all(playout, segments, queue, current, on_first_audio, pause_s)
    finally:
        producer.cancel()
        if current:
            playout.abandon(current[0])


async def _produce(synthesizer: Synthesizer, segments: list[Segment], queue: asyncio.Queue[Item]) -> None:
    try:
        for seg in segments:  # a pre-rendered sentence comes from the synthesizer's cache at once
            async for chunk in synthesizer.stream(seg.text, RATE):
                await queue.put((seg, chunk))
            await queue.put((seg, None))
    except Exception as exc:  # surfaced to the consumer, which re-raises it in the call's context
        await queue.put(exc)


async def _send_all(
    playout: Playout,
    segments: list[Segment],
    queue: asyncio.Queue[Item],
    current: list[Segment],
    on_first_audio: Callable[[float], None] | None,
    pause_s: float,
) -> None:
    """Pace each chunk out as it comes; a pause and a mark between sentences; the first audio reported."""
    while True:
        item = await queue.get()
        if isinstance(item, BaseException):
            raise item
        seg, pcm = item
        if not current or seg is not current[0]:
            current[:] = [seg]
            playout.begin(seg)
        if pcm is None:
            if seg is segments[-1]:
                await playout.end(seg)
                return
            if seg.samples:
                await playout.send(seg, np.zeros(round(pause_s * RATE), dtype=np.int16))
            await playout.end(seg)
            continue
        first = await playout.send(seg, pcm)
        if first is not None and on_first_audio is not None:
            on_first_audio(first)
            on_first_audio = None
