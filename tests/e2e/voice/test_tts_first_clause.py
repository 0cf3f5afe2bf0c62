"""The first clause of a freshly synthesized reply plays while the rest of it is rendered (issue #16).

Behaviour only (what was rendered before the first audio, in which order, the pauses between pieces);
how much sooner the first audio comes is measured by ``infolinia bench speech``, never asserted here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from dialog import catalogue
from telephony.call.playout import HeardTranscript, Playout
from telephony.call.speak import speak
from tests.e2e.voice.test_tts import count_renders
from voice.models import VoiceSpec
from voice.ports import PCM
from voice.tts import PiperSynthesizer
from voice.tts_cache import DiskAudioCache, PrerenderedSynthesizer

pytestmark = pytest.mark.models

STATUS = "Zamówienie numer 48215 zostało przyjęte i czeka na płatność. Wyślemy je przez kuriera."
HEAD = "Zamówienie numer cztery osiem dwa jeden pięć zostało przyjęte"


def voice(spec: VoiceSpec, first_clause_chars: int) -> PiperSynthesizer:
    return PiperSynthesizer(spec, noise_scale=0.0, noise_w_scale=0.0, first_clause_chars=first_clause_chars)


async def test_a_dynamic_reply_starts_with_its_first_clause(voice_spec: VoiceSpec) -> None:
    synth = voice(voice_spec, 12)
    rendered = count_renders(synth)
    stream = synth.stream(STATUS, 8000)
    first = await anext(stream)
    at_first_audio = list(rendered)
    rest = [c async for c in stream]
    assert at_first_audio == [HEAD]  # the caller hears the clause while the rest is still to be rendered
    assert rendered == [HEAD, "i czeka na płatność.", "Wyślemy je przez kuriera."]  # then the rest, in order
    assert len(rest) == 2
    assert not np.any(first[-round(0.08 * 8000) :])  # a short clause pause, not the sentence pause
    assert np.any(first[-round(0.15 * 8000) : -round(0.08 * 8000)])  # speech right before it
    assert not np.any(rest[0][-round(0.15 * 8000) :])  # the sentence pause after the whole first sentence
    assert all(np.abs(c.astype(np.int32)).max() > 3000 for c in (first, *rest))  # every piece is speech


async def test_nothing_is_lost_by_cutting(voice_spec: VoiceSpec) -> None:
    """The clause and the rest say the same words as the whole sentence, in about the same time."""
    cut, whole = voice(voice_spec, 12), voice(voice_spec, 0)
    assert cut.pieces(STATUS)[:2] == [HEAD, "i czeka na płatność."]
    assert " ".join(cut.pieces(STATUS)) == " ".join(whole.pieces(STATUS))
    a = np.concatenate([c async for c in cut.stream(STATUS, 8000)])
    b = np.concatenate([c async for c in whole.stream(STATUS, 8000)])
    assert 0.8 < len(a) / len(b) < 1.25


async def test_whole_utterances_and_sentences_without_a_clause_are_not_cut(voice_spec: VoiceSpec) -> None:
    synth = voice(voice_spec, 12)
    rendered = count_renders(synth)
    await synth.synthesize(STATUS, 8000)  # a pre-render or a file: nobody waits for its first audio
    assert rendered == [f"{HEAD} i czeka na płatność.", "Wyślemy je przez kuriera."]
    rendered.clear()
    _ = [c async for c in synth.stream("Zamówienie numer 48213 zostało wysłane.", 8000)]
    assert rendered == ["Zamówienie numer cztery osiem dwa jeden trzy zostało wysłane."]


async def test_a_pre_rendered_first_sentence_is_played_whole(voice_spec: VoiceSpec, tmp_path: Path) -> None:
    """A KB answer's first sentence is ready: it plays from the cache, only the rest is rendered."""
    reply = "Dostawa trwa dwa dni, a kurier dzwoni wcześniej. Czy mogę pomóc w czymś jeszcze, na przykład z paczką?"
    synth = voice(voice_spec, 12)
    cache = PrerenderedSynthesizer(synth, 8000, DiskAudioCache(tmp_path, "v"))
    rendered = count_renders(synth)
    assert await cache.prewarm_first_sentences([reply]) == 1
    assert rendered == ["Dostawa trwa dwa dni, a kurier dzwoni wcześniej."]  # rendered whole, once
    rendered.clear()
    chunks = [c async for c in cache.stream(reply, 8000)]
    assert rendered == ["Czy mogę pomóc w czymś jeszcze,", "na przykład z paczką?"]  # the fresh part is cut
    assert len(chunks) == 3


@dataclass
class Wire:
    """The far end as playout sees it: audio frames and marks, in the order they were sent."""

    sent: list[PCM | str] = field(default_factory=list)

    async def send_audio(self, pcm8k: PCM) -> None:
        self.sent.append(np.array(pcm8k))

    async def send_mark(self, name: str) -> None:
        self.sent.append(name)

    async def clear(self) -> None:
        self.sent.append("clear")


async def test_the_call_plays_the_clause_first_with_one_mark_per_sentence(voice_spec: VoiceSpec) -> None:
    synth = voice(voice_spec, 12)
    rendered = count_renders(synth)
    wire = Wire()

    async def no_wait(_: float) -> None:
        return None

    playout = Playout(wire, sleep=no_wait)  # type: ignore[arg-type]
    segments = HeardTranscript().bot(STATUS, turn=1)
    heard_first: list[list[str]] = []
    await speak(playout, synth, segments, on_first_audio=lambda _: heard_first.append(list(rendered)))
    assert heard_first == [[HEAD]]  # the first frame went out when only the first clause was rendered
    marks = [x for x in wire.sent if isinstance(x, str)]
    assert marks == [s.id for s in segments] and len(marks) == 2  # clauses add no marks: one per sentence
    audio = np.concatenate([x for x in wire.sent if not isinstance(x, str)])
    expected = voice(voice_spec, 12)
    first = np.concatenate([c async for c in expected.stream(segments[0].text, 8000)])
    assert np.array_equal(audio[: len(first)], first)  # clause, short pause, rest: in that order


async def test_a_whole_reply_through_the_cache_is_rendered_in_whole_sentences(
    voice_spec: VoiceSpec, tmp_path: Path
) -> None:
    """The HTTP voice turn asks for the whole WAV: no one hears it early, so the sentence is not cut."""
    synth = voice(voice_spec, 12)
    cache = PrerenderedSynthesizer(synth, 8000, DiskAudioCache(tmp_path, "v"))
    rendered = count_renders(synth)
    pcm = await cache.synthesize(STATUS, 8000)
    assert rendered == [f"{HEAD} i czeka na płatność.", "Wyślemy je przez kuriera."]
    assert np.array_equal(pcm, await voice(voice_spec, 0).synthesize(STATUS, 8000))


# --- the ready opening of a templated reply ---------------------------------------------------------
SHIPPED = "Zamówienie numer 48213 zostało wysłane."
OPENING = "Zamówienie numer"


def with_openings(spec: VoiceSpec, **kwargs: int) -> PiperSynthesizer:
    return PiperSynthesizer(
        spec,
        noise_scale=0.0,
        noise_w_scale=0.0,
        first_clause_chars=12,
        openings=catalogue.template_openings(),
        **kwargs,
    )


async def test_a_templated_reply_plays_its_ready_opening_while_the_rest_is_rendered(voice_spec: VoiceSpec) -> None:
    synth = with_openings(voice_spec)
    assert await synth.warm_openings(8000) == len(synth.spoken_openings()) > 3
    rendered = count_renders(synth)
    stream = synth.stream(SHIPPED, 8000)
    first = await anext(stream)
    assert rendered == []  # the caller hears the opening before anything of this reply is rendered
    rest = [c async for c in stream]
    assert rendered == ["cztery osiem dwa jeden trzy zostało wysłane."]  # read digit by digit, as when whole
    assert len(rest) == 1 and np.abs(rest[0].astype(np.int32)).max() > 3000
    assert not np.any(first[-round(0.08 * 8000) :])  # a short pause after the opening, not the sentence pause
    assert np.any(first[-round(0.15 * 8000) : -round(0.08 * 8000)])  # speech right before it
    assert await synth.warm_openings(8000) == 0  # kept: a second warm renders nothing


async def test_the_opening_cut_keeps_the_words_and_whole_renders_are_not_cut(voice_spec: VoiceSpec) -> None:
    synth = with_openings(voice_spec)
    whole = voice(voice_spec, 0)
    assert synth.pieces(SHIPPED) == [OPENING, "cztery osiem dwa jeden trzy zostało wysłane."]
    assert " ".join(synth.pieces(STATUS)) == " ".join(whole.pieces(STATUS))
    assert synth.pieces(STATUS)[:3] == [OPENING, "cztery osiem dwa jeden pięć zostało przyjęte", "i czeka na płatność."]
    rendered = count_renders(synth)
    await synth.synthesize(SHIPPED, 8000)  # a pre-render or a file: nobody waits for its first audio
    assert rendered == ["Zamówienie numer cztery osiem dwa jeden trzy zostało wysłane."]


async def test_openings_outlast_a_busy_piece_cache(voice_spec: VoiceSpec) -> None:
    """An hour of order numbers fills the piece cache; the openings are kept apart and stay ready."""
    synth = with_openings(voice_spec, piece_cache_size=2)
    await synth.warm_openings(8000)
    for number in ("1001", "1002", "1003"):
        _ = [c async for c in synth.stream(f"Dostawa zamówienia {number} jest w drodze.", 8000)]
    rendered = count_renders(synth)
    stream = synth.stream(SHIPPED, 8000)
    await anext(stream)
    assert rendered == []
    await stream.aclose()


async def test_an_opening_is_kept_once_rendered_even_without_a_warm_up(voice_spec: VoiceSpec) -> None:
    synth = with_openings(voice_spec)
    _ = [c async for c in synth.stream(SHIPPED, 8000)]  # the first such reply renders its opening too
    rendered = count_renders(synth)
    _ = [c async for c in synth.stream("Zamówienie numer 50001 zostało dostarczone.", 8000)]
    assert rendered == ["pięć zero zero zero jeden zostało dostarczone."]
    assert await synth.warm_openings(8000) == len(synth.spoken_openings()) - 1  # the rest, not that one again


async def test_without_openings_or_first_clause_cuts_nothing_is_warmed(voice_spec: VoiceSpec) -> None:
    assert await voice(voice_spec, 12).warm_openings(8000) == 0  # no openings given
    plain = PiperSynthesizer(voice_spec, first_clause_chars=0, openings=catalogue.template_openings())
    assert await plain.warm_openings(8000) == 0  # whole sentences: an opening is never played apart
    assert plain.pieces(SHIPPED) == ["Zamówienie numer cztery osiem dwa jeden trzy zostało wysłane."]
