"""Outbound pacing, marks and the heard transcript (telephony/call/playout.py), on a fake clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import numpy as np
import pytest

from telephony.call.deps import PromptCache
from telephony.call.playout import HeardTranscript, Playout, Segment, split_sentences
from telephony.call.speak import speak
from tests.support.clock import FakeClock
from tests.support.speech import ToneSynthesizer
from voice.ports import PCM

RATE = 8000


@dataclass
class RecordingChannel:
    clock: FakeClock
    sent: list[tuple[float, str, object]] = field(default_factory=list)  # (time, kind, samples | name)

    async def send_audio(self, pcm8k: PCM) -> None:
        self.sent.append((self.clock(), "audio", len(pcm8k)))

    async def send_mark(self, name: str) -> None:
        self.sent.append((self.clock(), "mark", name))

    async def clear(self) -> None:
        self.sent.append((self.clock(), "clear", None))

    async def receive(self) -> object:
        raise NotImplementedError

    async def close(self) -> None:
        pass


def seconds(s: float) -> PCM:
    return np.full(int(s * RATE), 1000, dtype=np.int16)


def setup(lead: float = 0.25) -> tuple[FakeClock, RecordingChannel, Playout]:
    clock = FakeClock()
    channel = RecordingChannel(clock)
    return clock, channel, Playout(channel, clock=clock, sleep=clock.sleep, max_lead_s=lead)  # type: ignore[arg-type]


async def test_audio_goes_out_in_whole_frames_never_far_ahead_of_playback() -> None:
    clock, channel, playout = setup(lead=0.25)
    seg = Segment("t1-1", "Zdanie.", 1)
    playout.begin(seg)
    first = await playout.send(seg, seconds(3.0))
    assert first == 0.0
    messages = [(t, n) for t, kind, n in channel.sent if kind == "audio"]
    assert all(n % 160 == 0 for _, n in messages) and sum(n for _, n in messages) == 3 * RATE
    queued = 0  # audio sent before this message, which the far end plays first
    for t, n in messages:
        assert (queued + n - 160) / RATE - t <= 0.25 + 1e-9  # each frame starts within the lead of playback
        queued += n
    assert messages[0] == (0.0, 13 * 160)  # the first ~250 ms leave at once, in one message
    assert {n for _, n in messages[1:]} == {160}  # then a frame at a time, in real time
    assert clock() == pytest.approx(3.0 - 0.25 - 0.02, abs=0.021)
    assert seg.duration_s == pytest.approx(3.0) and seg.play_start == 0.0


async def test_a_slow_synthesizer_leaves_a_gap_instead_of_a_burst() -> None:
    clock, channel, playout = setup(lead=0.1)
    seg = Segment("t1-1", "Zdanie.", 1)
    playout.begin(seg)
    await playout.send(seg, seconds(0.2))
    clock.t += 2.0  # synthesis of the next chunk took 2 s: the far end ran dry meanwhile
    resumed, start = clock.t, len(channel.sent)
    await playout.send(seg, seconds(0.5))
    assert channel.sent[start] == (resumed, "audio", 6 * 160)  # a fresh lead's worth at once, not 2 s to "catch up"
    assert channel.sent[-1][0] == pytest.approx(resumed + 0.5 - 0.1 - 0.02)
    assert playout.lead_s() <= 0.1 + 0.02 + 1e-9


async def test_marks_decide_what_was_heard() -> None:
    clock, channel, playout = setup(lead=100.0)
    one, two = Segment("t1-1", "Jedno zdanie tutaj.", 1), Segment("t1-2", "Drugie zdanie ma pięć słów.", 1)
    for seg in (one, two):
        playout.begin(seg)
        await playout.send(seg, seconds(1.0))
        await playout.end(seg)
    assert [kind for _, kind, _ in channel.sent][-1] == "mark" and playout.busy
    assert [n for _, k, n in channel.sent if k == "mark"] == ["t1-1", "t1-2"]
    clock.t = 1.0
    assert playout.on_mark("t1-1") is one and one.status == "heard"
    assert playout.on_mark("nonsense") is None
    clock.t = 1.5  # half of the second sentence has played when the caller barges in
    cut = await playout.clear()
    assert cut == [two] and two.status == "interrupted"
    assert two.heard_s == pytest.approx(0.5)
    assert two.heard_text() == "Drugie zdanie"  # half of the words (rounded down)
    assert playout.on_mark("t1-2") is None and two.status == "interrupted"  # echoed by the clear: ignored
    assert not playout.busy and playout.idle_since == 1.5
    await playout.clear()  # nothing outstanding: no second clear on the wire
    assert sum(1 for _, k, _ in channel.sent if k == "clear") == 1


async def test_a_segment_cut_before_any_audio_is_unsent() -> None:
    _, _channel, playout = setup()
    seg = Segment("t1-1", "Nic.", 1)
    playout.begin(seg)
    assert playout.busy
    cut = await playout.clear()
    assert cut == [seg] and seg.status == "unsent" and seg.heard_text() == ""


async def test_speak_streams_sentences_with_a_mark_each_and_reports_the_first_audio() -> None:
    _clock, channel, playout = setup(lead=100.0)
    synth = ToneSynthesizer(ms_per_char=10.0)
    transcript = HeardTranscript()
    segments = transcript.bot("Pierwsze zdanie. Drugie zdanie!", turn=3)
    firsts: list[float] = []
    await speak(playout, PromptCache(synth), segments, firsts.append)
    assert [s.id for s in segments] == ["t3-1", "t3-2"] and firsts == [0.0]
    assert [n for _, k, n in channel.sent if k == "mark"] == ["t3-1", "t3-2"]
    pause = int(0.15 * RATE)  # the pause between sentences belongs to the first
    assert segments[0].samples == len(synth.tone("Pierwsze zdanie.", RATE)) + pause
    assert segments[1].samples == len(synth.tone("Drugie zdanie!", RATE))
    assert all(s.status == "queued" for s in segments)
    playout.on_mark("t3-1")
    playout.on_mark("t3-2")
    assert [e["status"] for e in transcript.to_list()] == ["heard", "heard"]


async def test_a_hang_up_settles_what_had_finished_playing_as_heard() -> None:
    """The caller hangs up right after the last sentence played, its mark still on the way: the record says
    it was heard; a sentence that had only begun at the hang-up was interrupted with none of its words heard."""
    clock, _channel, playout = setup(lead=100.0)
    transcript = HeardTranscript()
    segments = transcript.bot("Pierwsze zdanie. Drugie zdanie!", turn=3)
    await speak(playout, PromptCache(ToneSynthesizer(ms_per_char=10.0)), segments)
    first_end = segments[0].play_start + segments[0].duration_s  # type: ignore[operator]
    clock.t = first_end + 0.01  # the first has played, the second has not
    playout.hang_up()
    assert [(e["status"], bool(e["heard"])) for e in transcript.to_list()] == [("heard", True), ("interrupted", False)]
    assert playout.line_gone and not playout.busy


async def test_speak_uses_cached_prompts_without_synthesis() -> None:
    _, _channel, playout = setup(lead=100.0)
    synth = ToneSynthesizer()
    cache = PromptCache(synth)
    await cache.prewarm(["Czy nadal mnie słychać?"])
    synth.spoken.clear()
    segments = HeardTranscript().bot("Czy nadal mnie słychać?", turn=0, whole=True)
    await speak(playout, cache, segments)
    assert synth.spoken == [] and segments[0].samples == len(cache.get("Czy nadal mnie słychać?"))  # type: ignore[arg-type]


class BrokenAfterFirst(ToneSynthesizer):
    async def stream(self, text: str, rate: int) -> AsyncIterator[PCM]:
        if "Drugie" in text:
            raise RuntimeError("piper died")
        async for chunk in super().stream(text, rate):
            yield chunk


async def test_a_synthesis_error_surfaces_and_clear_settles_the_segments() -> None:
    _, _, playout = setup(lead=100.0)
    synth = BrokenAfterFirst(ms_per_char=10.0)
    segments = HeardTranscript().bot("Pierwsze zdanie. Drugie zdanie.", turn=1)
    with pytest.raises(RuntimeError, match="piper died"):
        await speak(playout, PromptCache(synth), segments)
    await playout.clear()
    assert [s.status for s in segments] == ["interrupted", "unsent"]  # the second never started
    assert not playout.busy


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Dzień dobry. W czym mogę pomóc?", ["Dzień dobry.", "W czym mogę pomóc?"]),
        (
            "Paczka jest np. w paczkomacie. Proszę sprawdzić!",
            ["Paczka jest np. w paczkomacie.", "Proszę sprawdzić!"],
        ),
        ("Sklep przy ul. Długiej 5. Zapraszamy.", ["Sklep przy ul. Długiej 5.", "Zapraszamy."]),
        ("Bez kropki", ["Bez kropki"]),
        ("", []),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


async def test_a_segment_cut_while_it_is_being_sent_counts_its_words_over_its_whole_audio() -> None:
    """A long prompt (the 20 s greeting) is paced out frame by frame: cut 1 s in, the caller heard a
    quarter of a 4 s sentence, not nearly all of it (a share of the audio sent so far would say 80 %)."""
    clock, _channel, playout = setup(lead=0.25)
    seg = Segment("t0-1", "jeden dwa trzy cztery pięć sześć siedem osiem.", 0)
    playout.begin(seg)
    sending = asyncio.create_task(playout.send(seg, seconds(4.0)))
    while clock.t < 1.0:
        await asyncio.sleep(0)
    sending.cancel()
    with pytest.raises(asyncio.CancelledError):
        await sending
    playout.abandon(seg)
    assert await playout.clear() == [seg] and seg.status == "interrupted"
    assert seg.heard_s == pytest.approx(1.0, abs=0.03)
    assert seg.heard_text() == "jeden dwa"
    assert seg.to_dict()["duration_s"] == pytest.approx(4.0)  # the sentence's audio, not what left before the cut


async def test_a_hang_up_mid_sentence_records_the_part_that_played_as_heard() -> None:
    """The caller hangs up 1 s into a 4 s sentence still being paced out: the record says they heard its
    first quarter (interrupted), not nothing ("queued", heard "") as if the bot had never spoken."""
    clock, _channel, playout = setup(lead=0.25)
    done = Segment("t1-1", "Pierwsze zdanie.", 1)
    cut = Segment("t1-2", "jeden dwa trzy cztery pięć sześć siedem osiem.", 1)
    playout.begin(done)
    await playout.send(done, seconds(1.0))
    await playout.end(done)
    playout.begin(cut)
    sending = asyncio.create_task(playout.send(cut, seconds(4.0)))
    while clock.t < 2.0:
        await asyncio.sleep(0)
    playout.hang_up()  # the stream's stop arrives, then the reply's task is cancelled
    sending.cancel()
    with pytest.raises(asyncio.CancelledError):
        await sending
    playout.abandon(cut)
    assert done.status == "heard"
    assert cut.status == "interrupted" and cut.heard_s == pytest.approx(1.0, abs=0.03)
    assert cut.heard_text() == "jeden dwa"
    assert not playout.busy
