"""Piper synthesizer: streaming sentence by sentence, rates, cache, normalisation, cancellation."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.support.loop import watching_the_loop
from tests.support.speech import ToneSynthesizer
from voice.models import VoiceSpec
from voice.tts import PiperSynthesizer, split_long

REPLY = (
    "Dzień dobry, tu infolinia sklepu. Sprawdziłam Pani zamówienie. "
    "Paczka została wysłana wczoraj i jutro powinna być u Pani. Czy mogę jeszcze w czymś pomóc?"
)


def test_split_long_cuts_at_clauses_only_when_needed() -> None:
    short = "Dzień dobry, w czym mogę pomóc?"
    assert split_long(short, 160) == [short]
    long = "Paczka jest w drodze, kurier zadzwoni przed dostawą, a jeśli nikogo nie będzie, zostawi awizo."
    pieces = split_long(long, 40)
    assert " ".join(pieces) == long
    assert len(pieces) == 4 and all(p.endswith((",", ".")) for p in pieces)
    assert split_long("Jednoczłonowe zdanie bez przecinków jest długie.", 10) == [
        "Jednoczłonowe zdanie bez przecinków jest długie."
    ]


@pytest.mark.models
async def test_first_audio_arrives_before_the_whole_reply_is_synthesized(
    synthesizer: PiperSynthesizer,
) -> None:
    synthesizer.clear_cache()
    rendered = count_renders(synthesizer)
    try:
        stream = synthesizer.stream(REPLY, 8000)
        chunks: list[np.ndarray] = [await anext(stream)]
        at_first_audio = list(rendered)  # what had been synthesized when the first audio was handed over
        chunks += [chunk async for chunk in stream]
    finally:
        del synthesizer._render  # the class's method again
    assert len(chunks) == len(rendered) == 4  # one per sentence
    assert at_first_audio == rendered[:1]  # the first sentence plays while the rest is still to be rendered
    assert all(c.dtype == np.int16 and len(c) > 8000 * 0.5 for c in chunks)  # every sentence is audible
    assert all(np.abs(c.astype(np.int32)).max() > 3000 for c in chunks)


@pytest.mark.models
async def test_rates_give_consistent_lengths(synthesizer: PiperSynthesizer) -> None:
    text = "Proszę podać numer zamówienia."
    lengths = {}
    for rate in (8000, 16000, 22050, synthesizer.native_rate):
        pcm = await synthesizer.synthesize(text, rate)
        lengths[rate] = len(pcm) / rate
    durations = list(lengths.values())
    assert max(durations) - min(durations) < 0.01, lengths  # same speech, only the rate differs
    assert 1.0 < durations[0] < 4.0


@pytest.mark.models
async def test_cache_serves_frequent_prompts_without_synthesis(synthesizer: PiperSynthesizer) -> None:
    greeting = "Dzień dobry, w czym mogę pomóc?"
    synthesizer.clear_cache()
    await synthesizer.warm([greeting], [8000, 16000])
    assert synthesizer.is_cached(greeting, 8000) and synthesizer.is_cached(greeting, 16000)
    rendered = count_renders(synthesizer)
    try:
        again = await synthesizer.synthesize(greeting, 8000)
        assert rendered == []  # served from the cache: nothing synthesized
        fresh = await synthesizer.synthesize(greeting + " Słucham.", 8000)
    finally:
        del synthesizer._render  # the class's method again
    assert rendered and "Słucham." in rendered[-1]  # an uncached text really is synthesized
    assert len(fresh) > len(again) > 8000


@pytest.mark.models
async def test_replies_that_share_sentences_render_only_the_new_one(synthesizer: PiperSynthesizer) -> None:
    """Order statuses differ in the number and the date; the carrier and the closing question repeat."""
    synthesizer.clear_cache()
    first = "Zamówienie numer 52107 zostało wysłane. Przesyłkę dostarcza InPost. Czy mogę pomóc w czymś jeszcze?"
    second = "Zamówienie numer 52114 zostało wysłane. Przesyłkę dostarcza InPost. Czy mogę pomóc w czymś jeszcze?"
    alone = [c async for c in synthesizer.stream(second, 8000)]
    synthesizer.clear_cache()
    rendered = count_renders(synthesizer)
    try:
        [c async for c in synthesizer.stream(first, 8000)]
        assert len(rendered) == 3
        shared = [c async for c in synthesizer.stream(second, 8000)]
    finally:
        del synthesizer._render
    assert len(rendered) == 4 and rendered[-1].startswith("Zamówienie")  # only the new first sentence
    assert [len(c) for c in shared] == [len(c) for c in alone]  # the same pieces, the same pauses
    with pytest.raises(ValueError):
        shared[1][0] = 0  # cached pieces are shared between calls: read-only


@pytest.mark.models
async def test_numbers_are_read_out(synthesizer: PiperSynthesizer) -> None:
    text = "Do zapłaty zostało 129,99 zł."
    spoken = " ".join(synthesizer.pieces(text))
    assert "sto dwadzieścia dziewięć złotych" in spoken and "groszy" in spoken
    assert "129" not in spoken
    pcm = await synthesizer.synthesize(text, 16000)
    plain = await synthesizer.synthesize("Do zapłaty zostało.", 16000)
    assert len(pcm) > len(plain) + 16000 * 2  # the price takes seconds to say, not a blip


@pytest.mark.models
async def test_thread_count_is_applied_and_the_voice_sounds_the_same(voice_spec: VoiceSpec) -> None:
    """INFOLINIA_TTS_THREADS: one core for Piper leaves the other to Whisper; the audio must not change."""
    one = PiperSynthesizer(voice_spec, noise_scale=0.0, noise_w_scale=0.0, threads=1)
    default = PiperSynthesizer(voice_spec, noise_scale=0.0, noise_w_scale=0.0)
    await asyncio.gather(one.load(), default.load())
    assert one._voice.session.get_session_options().intra_op_num_threads == 1
    assert default._voice.session.get_session_options().intra_op_num_threads == 0  # onnxruntime's default
    a, b = await one.synthesize("Dzień dobry.", 8000), await default.synthesize("Dzień dobry.", 8000)
    assert len(a) == len(b) and np.abs(a.astype(np.int32) - b.astype(np.int32)).max() <= 2


@pytest.mark.models
async def test_threads_follow_the_load(voice_spec: VoiceSpec) -> None:
    """Threads 0 with 2 syntheses at once: a piece rendered alone gets every core, one that starts beside
    another gets a one-thread session (two renders do not spread four threads over two cores)."""
    synth = PiperSynthesizer(voice_spec, noise_scale=0.0, noise_w_scale=0.0, concurrency=2)
    await synth.load()
    assert synth.follows_load and synth._narrow is not None
    assert synth._voice.session.get_session_options().intra_op_num_threads == 0  # one per core
    assert synth._narrow.session.get_session_options().intra_op_num_threads == 1
    used: list[str] = []
    beside = threading.Event()

    def recording(session: Any, name: str) -> None:
        run = session.run

        def wrapped(*args: Any, **kwargs: Any) -> Any:
            used.append(name)
            if name == "narrow":
                beside.set()
            else:
                beside.wait(10.0)  # the first render is still running when the second one starts
            return run(*args, **kwargs)

        session.run = wrapped

    recording(synth._voice.session, "wide")
    recording(synth._narrow.session, "narrow")
    alone_first, beside_it = await asyncio.gather(
        synth.synthesize("Dzień dobry.", 8000), synth.synthesize("Do widzenia.", 8000)
    )
    assert used[:2] == ["wide", "narrow"] and beside.is_set()
    synth.clear_cache()
    used.clear()
    again = await synth.synthesize("Do widzenia.", 8000)  # alone now: every core again
    assert used == ["wide"]
    assert len(again) == len(beside_it) and np.abs(again.astype(np.int32) - beside_it.astype(np.int32)).max() <= 2
    assert len(alone_first) > 0


def count_renders(synth: PiperSynthesizer) -> list[str]:
    """Record every piece ``synth`` renders (synthesis work), in order."""
    rendered: list[str] = []
    original = synth._render

    def counting(piece: str, rate: int, pause_s: float, waited_for: bool = True) -> np.ndarray:
        rendered.append(piece)
        return original(piece, rate, pause_s, waited_for)

    synth._render = counting  # type: ignore[method-assign]
    return rendered


@pytest.mark.models
async def test_pre_rendered_first_pieces_start_a_fixed_reply_without_synthesis(
    voice_spec: VoiceSpec, tmp_path: Path
) -> None:
    """Smart speakers: a KB answer's first sentence is ready at the voice's rate; only the rest is rendered."""
    from voice.tts_cache import DiskAudioCache, PrerenderedSynthesizer

    reply = "Dostawa trwa dwa dni. Czy mogę pomóc w czymś jeszcze?"
    synth = PiperSynthesizer(voice_spec, noise_scale=0.0, noise_w_scale=0.0)
    rate = synth.native_rate
    cache = PrerenderedSynthesizer(synth, rate, DiskAudioCache(tmp_path, "v"))
    assert await cache.prewarm_first_sentences([reply, reply]) == 1
    rendered = count_renders(synth)
    chunks = [c async for c in cache.stream(reply, rate)]
    assert len(chunks) == 2 and len(rendered) == 1 and "pomóc" in rendered[0]  # only the second sentence
    plain = PiperSynthesizer(voice_spec, noise_scale=0.0, noise_w_scale=0.0)
    expected = [c async for c in plain.stream(reply, rate)]
    assert len(chunks[0]) == len(expected[0])  # the same audio and the same pause after it
    again = PrerenderedSynthesizer(PiperSynthesizer(voice_spec), rate, DiskAudioCache(tmp_path, "v"))
    assert await again.prewarm_first_sentences([reply]) == 0  # next start: from disk


@pytest.mark.models
async def test_a_piece_nobody_waits_for_yet_renders_on_one_thread(voice_spec: VoiceSpec) -> None:
    """Streamed alone: the first piece gets every core (the listener waits for it), the next ones one thread
    (the first is playing meanwhile); a whole rendering is waited for piece by piece: every core throughout."""
    synth = PiperSynthesizer(voice_spec, noise_scale=0.0, noise_w_scale=0.0, concurrency=2, first_clause_chars=12)
    await synth.load()
    used: list[str] = []
    for session, name in ((synth._voice.session, "wide"), (synth._narrow.session, "narrow")):
        run = session.run

        def wrapped(*args: Any, _run: Any = run, _name: str = name, **kwargs: Any) -> Any:
            used.append(_name)
            return _run(*args, **kwargs)

        session.run = wrapped
    _ = [c async for c in synth.stream(REPLY, 8000)]
    assert len(used) == len(synth.pieces(REPLY)) > 2 and used[0] == "wide" and set(used[1:]) == {"narrow"}
    synth.clear_cache()
    used.clear()
    await synth.synthesize(REPLY, 8000)
    assert used and set(used) == {"wide"}


@pytest.mark.models
async def test_stopping_the_stream_stops_synthesis(voice_spec: VoiceSpec) -> None:
    synth = PiperSynthesizer(voice_spec, noise_scale=0.0, noise_w_scale=0.0)
    rendered = count_renders(synth)
    stream = synth.stream(REPLY, 8000)
    first = await anext(stream)
    await stream.aclose()  # barge-in: the caller spoke over the bot
    assert len(first) > 0
    assert len(rendered) == 1
    assert not synth.is_cached(REPLY, 8000)  # a partial reply is never cached


@pytest.mark.models
async def test_event_loop_keeps_running_during_synthesis(synthesizer: PiperSynthesizer) -> None:
    synthesizer.clear_cache()
    async with watching_the_loop() as watch:
        synthesizer._render = watch.wrap(synthesizer._render)  # type: ignore[method-assign]
        try:
            pcm = await synthesizer.synthesize(REPLY, 8000)
        finally:
            del synthesizer._render  # the class's method again
    assert len(pcm) > 8000 * 5
    assert watch.proofs == [True] * 4  # every sentence rendered in a thread while the loop turned on


async def test_tone_synthesizer_streams_one_tone_per_sentence() -> None:
    synth = ToneSynthesizer(ms_per_char=50.0)
    chunks = [c async for c in synth.stream("Dzień dobry. Jak mogę pomóc?", 8000)]
    assert synth.spoken == ["Dzień dobry.", "Jak mogę pomóc?"]
    assert [len(c) for c in chunks] == [round(12 * 0.05 * 8000), round(15 * 0.05 * 8000)]
    whole = await synth.synthesize("Dzień dobry. Jak mogę pomóc?", 8000)
    assert np.array_equal(whole, np.concatenate(chunks))
