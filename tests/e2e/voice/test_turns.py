"""Turn detector with scripted speech probabilities and a fake clock (20 ms frames at 8 kHz)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TypeVar

import numpy as np
import pytest
import soundfile as sf

from telephony.devtools.simulator_audio import voiced_end_s
from tests.support.needs import eval_clips
from tests.support.paths import EVAL_DIR
from voice.turns import (
    Backchannel,
    BargeIn,
    EarlyEndCandidate,
    SpeechResumed,
    SpeechStarted,
    TurnConfig,
    TurnDetector,
    TurnEnded,
    TurnEvent,
)
from voice.vad import FrameBuffer, SileroModel

RATE = 8000
FRAME_MS = 20
FRAME = RATE * FRAME_MS // 1000  # 160 samples, one Twilio media frame
TAIL_MS = int(TurnConfig().tail_ms)
SPEECH, SILENCE, NOISE = 0.9, 0.02, 0.45  # NOISE: below start_threshold, above continue_threshold

E = TypeVar("E")


class Script:
    """Feeds probabilities frame by frame; each frame's samples hold its index so audio is traceable."""

    def __init__(self, detector: TurnDetector, frame_ms: int = FRAME_MS) -> None:
        self.detector = detector
        self.frame_ms = frame_ms
        self.samples = detector.rate * frame_ms // 1000
        self.now = 100.0  # fake clock, seconds; deliberately not zero
        self.index = 0
        self.log: list[tuple[int, TurnEvent]] = []  # (frame index, event)

    def feed(self, prob: float, ms: int) -> list[TurnEvent]:
        events: list[TurnEvent] = []
        for _ in range(ms // self.frame_ms):
            frame = np.full(self.samples, self.index, dtype=np.int16)
            self.now = round(self.now + self.frame_ms / 1000.0, 6)
            new = self.detector.push(prob, frame, self.now)
            self.log += [(self.index, e) for e in new]
            events += new
            self.index += 1
        return events

    def of(self, kind: type[E]) -> list[E]:
        return [e for _, e in self.log if isinstance(e, kind)]


def frames_in(audio: np.ndarray, samples: int = FRAME) -> list[int]:
    """Index of each frame in the audio (turn audio starts on a frame edge; its tail may not end on one)."""
    assert np.all(np.ptp(audio[: len(audio) // samples * samples].reshape(-1, samples), axis=1) == 0)
    return [int(v) for v in audio[::samples]]


@pytest.fixture
def script() -> Script:
    return Script(TurnDetector(RATE))


def test_speech_starts_after_start_ms_not_before(script: Script) -> None:
    assert script.feed(NOISE, 2000) == []  # never reaches start_threshold
    t0 = script.now
    assert script.feed(SPEECH, 180) == []
    (started,) = script.feed(SPEECH, 20)
    assert isinstance(started, SpeechStarted)
    assert (started.at, started.onset) == (pytest.approx(t0 + 0.2), pytest.approx(t0))
    assert script.detector.state == "speaking"


def test_hysteresis_continues_below_start_threshold(script: Script) -> None:
    script.feed(SILENCE, 200)
    script.feed(SPEECH, 100)
    assert script.feed(NOISE, 80) == []
    (started,) = script.feed(NOISE, 20)  # 0.45 still counts once speech has begun
    assert isinstance(started, SpeechStarted)
    assert (started.at, started.onset) == (pytest.approx(script.now), pytest.approx(100.2))


def test_turn_ends_after_end_ms_of_silence_with_early_candidate_first(script: Script) -> None:
    script.feed(SILENCE, 400)
    script.feed(SPEECH, 1000)
    speech_end = script.now
    assert script.feed(SILENCE, 200) == []
    (early,) = script.feed(SILENCE, 20)
    assert isinstance(early, EarlyEndCandidate)
    assert early.ended_at == pytest.approx(speech_end)
    assert script.feed(SILENCE, 260) == []
    (ended,) = script.feed(SILENCE, 20)
    assert isinstance(ended, TurnEnded)
    assert ended.at == pytest.approx(speech_end + 0.5)
    assert ended.ended_at == pytest.approx(speech_end)
    assert ended.started_at == pytest.approx(speech_end - 1.0)
    assert ended.speech_ms == pytest.approx(1000)
    assert ended.reason == "silence"
    assert len(ended.audio) == (300 + 1000 + TAIL_MS) * RATE // 1000  # pre-roll + speech + tail
    assert np.array_equal(early.audio, ended.audio)  # speculative ASR result stays valid
    assert script.detector.state == "idle"


def test_preroll_audio_is_included(script: Script) -> None:
    script.feed(SILENCE, 1000)  # frames 0..49
    script.feed(SPEECH, 600)  # frames 50..79
    script.feed(SILENCE, 500)
    (ended,) = script.of(TurnEnded)
    frames = frames_in(ended.audio)
    assert frames[:15] == list(range(35, 50))  # 300 ms of audio before speech onset
    assert frames[15:45] == list(range(50, 80))


def test_preroll_is_shorter_at_the_start_of_a_call(script: Script) -> None:
    script.feed(SILENCE, 100)
    script.feed(SPEECH, 400)
    script.feed(SILENCE, 500)
    (ended,) = script.of(TurnEnded)
    assert frames_in(ended.audio)[:5] == [0, 1, 2, 3, 4]


def test_cough_does_not_start_a_turn(script: Script) -> None:
    script.feed(SILENCE, 500)
    assert script.feed(SPEECH, 120) == []  # a cough
    assert script.feed(SILENCE, 1000) == []
    for _ in range(5):  # clicks spaced wider than blip_gap_ms never add up to a turn
        script.feed(SPEECH, 60)
        script.feed(SILENCE, 300)
    assert script.log == []
    assert script.detector.state == "idle"


def test_backchannel_while_bot_speaks_is_dropped(script: Script) -> None:
    script.detector.bot_speaking = True
    script.feed(SILENCE, 500)
    script.feed(SPEECH, 300)  # "mhm"
    script.feed(SILENCE, 1000)
    script.feed(SPEECH, 560)  # a longer "no tak": would be a turn if the bot were silent
    script.feed(SILENCE, 1000)
    assert [e.ms for e in script.of(Backchannel)] == [pytest.approx(300), pytest.approx(560)]
    assert [type(e) for _, e in script.log] == [Backchannel, Backchannel]


def test_real_barge_in_while_bot_speaks(script: Script) -> None:
    script.detector.bot_speaking = True
    script.feed(SILENCE, 400)
    t0 = script.now
    assert script.feed(SPEECH, 580) == []
    barge, started = script.feed(SPEECH, 20)
    assert isinstance(barge, BargeIn)
    assert isinstance(started, SpeechStarted)
    assert (barge.at, barge.onset) == (pytest.approx(t0 + 0.6), pytest.approx(t0))
    assert (started.at, started.onset) == (barge.at, barge.onset)
    script.detector.bot_speaking = False  # the caller stopped playback
    script.feed(SPEECH, 600)
    script.feed(SILENCE, 500)
    (ended,) = script.of(TurnEnded)
    assert ended.speech_ms == pytest.approx(1200)
    assert frames_in(ended.audio)[15] == 20  # first speech frame, after 300 ms of pre-roll


def test_bot_finishing_mid_candidate_starts_turn_at_normal_threshold(script: Script) -> None:
    script.detector.bot_speaking = True
    script.feed(SPEECH, 300)
    script.detector.bot_speaking = False
    assert [type(e) for e in script.feed(SPEECH, 20)] == [SpeechStarted]


def test_early_end_then_resumed_speech(script: Script) -> None:
    script.feed(SILENCE, 400)
    script.feed(SPEECH, 500)
    assert [type(e) for e in script.feed(SILENCE, 300)] == [EarlyEndCandidate]
    (early,) = script.of(EarlyEndCandidate)
    assert early.speech_ms == pytest.approx(500)
    assert [type(e) for e in script.feed(SPEECH, 400)] == [SpeechResumed]
    assert script.of(TurnEnded) == []
    script.feed(SILENCE, 500)
    assert len(script.of(EarlyEndCandidate)) == 2  # one per pause that reached early_ms
    (ended,) = script.of(TurnEnded)
    assert ended.speech_ms == pytest.approx(900)
    assert len(ended.audio) == (300 + 500 + 300 + 400 + TAIL_MS) * RATE // 1000
    assert len(ended.audio) > len(early.audio)


def test_short_pause_below_early_ms_emits_nothing(script: Script) -> None:
    script.feed(SPEECH, 400)
    assert script.feed(SILENCE, 200) == []
    assert script.feed(SPEECH, 200) == []  # no SpeechResumed without an early candidate


def test_max_turn_length_forces_an_end_and_next_turn_has_no_overlap(script: Script) -> None:
    script.feed(SILENCE, 300)
    t0 = script.now
    script.feed(SPEECH, 25000)
    _, second = script.of(SpeechStarted)
    (ended,) = script.of(TurnEnded)
    assert ended.reason == "max_length"
    assert ended.at == pytest.approx(t0 + 20.0)
    assert second.onset == pytest.approx(ended.at)
    assert second.at == pytest.approx(ended.at + 0.2)
    script.feed(SILENCE, 500)
    last = script.of(TurnEnded)[-1]
    assert frames_in(last.audio)[0] == frames_in(ended.audio)[-1] + 1  # continues, no duplicated audio


def test_reset_forgets_a_turn_in_progress(script: Script) -> None:
    script.feed(SPEECH, 400)
    script.detector.reset()
    assert script.detector.state == "idle"
    assert script.feed(SILENCE, 1000) == []


def test_vad_sized_frames_at_16k() -> None:
    script = Script(TurnDetector(16000), frame_ms=32)  # Silero windows: 512 samples
    script.feed(SILENCE, 32 * 20)
    script.feed(SPEECH, 32 * 7)  # 224 ms >= start_ms
    script.feed(SILENCE, 32 * 16)  # 512 ms >= end_ms
    assert [type(e) for _, e in script.log] == [SpeechStarted, EarlyEndCandidate, TurnEnded]
    (ended,) = script.of(TurnEnded)
    assert ended.speech_ms == pytest.approx(224)
    assert len(ended.audio) == 4800 + 7 * 512 + TAIL_MS * 16


@pytest.mark.parametrize(
    "kwargs",
    [
        {"start_threshold": 0.3, "continue_threshold": 0.5},
        {"tail_ms": 300.0, "early_ms": 200.0},
        {"early_ms": 600.0, "end_ms": 500.0},
    ],
)
def test_inconsistent_config_rejected(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        TurnConfig(**kwargs)


# --- with the real Silero VAD on real Polish speech (8 kHz telephony copies, Twilio-sized frames) ---

EVAL = EVAL_DIR / "wav8k_ulaw_telephony" / "nemo"  # INFOLINIA_ASR_EVAL_DIR, else ../shared/eval/asr-pl


@pytest.fixture(scope="module")
def phone_clips() -> list[Path]:
    """The first two telephony recordings; missing: a skip on a fresh clone, an error in CI."""
    return eval_clips(EVAL, 2)


@pytest.fixture(scope="module")
def silero() -> SileroModel:
    return SileroModel()


def listen(silero: SileroModel, audio: np.ndarray, bot_speaking: bool) -> list[tuple[float, TurnEvent]]:
    """VAD + turn detector over 20 ms phone frames, as the call pipeline chains them."""
    vad, detector = silero.detector(8000), TurnDetector(8000)
    detector.bot_speaking = bot_speaking
    windows = FrameBuffer(vad.frame_samples)
    now, events = 0.0, []
    for i in range(0, len(audio), FRAME):
        now += FRAME / RATE
        for window in windows.push(audio[i : i + FRAME]):
            events += [(now, e) for e in detector.push(vad(window), window, now)]
    return events


def load_phone(path: Path) -> np.ndarray:
    data, rate = sf.read(path, dtype="int16")
    assert rate == RATE
    return np.asarray(data, dtype=np.int16)


def test_real_speech_gives_one_turn_per_sentence(silero: SileroModel, phone_clips: list[Path]) -> None:
    a, b = (load_phone(p) for p in phone_clips)
    gap = np.zeros(RATE, dtype=np.int16)
    events = listen(silero, np.concatenate([gap, a, gap, b, gap]), bot_speaking=False)
    # a pause inside a sentence may start a speculative recognition that is then dropped
    kinds = [type(e) for _, e in events if not isinstance(e, SpeechResumed | EarlyEndCandidate)]
    assert kinds == [SpeechStarted, TurnEnded] * 2
    turns = [e for _, e in events if isinstance(e, TurnEnded)]
    for turn, clip in zip(turns, (a, b), strict=True):
        assert 0.8 * len(clip) <= len(turn.audio) <= len(clip) + RATE  # the sentence, little else
        assert turn.speech_ms >= 0.6 * 1000 * len(clip) / RATE
    voiced_end = 1.0 + voiced_end_s(a)
    assert voiced_end - 0.05 < turns[0].ended_at < voiced_end + 0.15  # the words' end, not Silero's lag
    assert turns[0].at < voiced_end + 0.15 + 0.5  # end_ms after it


def test_real_short_burst_is_a_backchannel_and_a_sentence_barges_in(
    silero: SileroModel, phone_clips: list[Path]
) -> None:
    a = load_phone(phone_clips[0])
    burst = a[len(a) // 2 - 1400 : len(a) // 2 + 1400]  # 350 ms from the middle of a sentence
    gap = np.zeros(RATE, dtype=np.int16)
    events = listen(silero, np.concatenate([gap, burst, gap, a, gap]), bot_speaking=True)
    kinds = [type(e) for _, e in events]
    assert kinds == [Backchannel, BargeIn, SpeechStarted, EarlyEndCandidate, TurnEnded]


def _feed_level(detector: TurnDetector, prob: float, level: int, ms: int, now: float) -> tuple[float, list[TurnEvent]]:
    events: list[TurnEvent] = []
    for _ in range(ms // FRAME_MS):
        now = round(now + FRAME_MS / 1000.0, 6)
        events += detector.push(prob, np.full(FRAME, level, dtype=np.int16), now)
    return now, events


def test_silence_counts_from_where_the_voice_faded_not_from_the_vad_lag() -> None:
    """Silero scores a fading word tail as speech for ~150 ms; the silence clocks start at the fade."""
    detector = TurnDetector(RATE)
    now, _ = _feed_level(detector, SILENCE, 0, 200, 100.0)
    now, _ = _feed_level(detector, SPEECH, 3000, 1000, now)  # loud speech
    faded = now
    now, events = _feed_level(detector, SPEECH, 30, 160, now)  # -40 dB: the VAD still says speech
    assert events == []
    now, events = _feed_level(detector, SILENCE, 0, 80, now)
    (early,) = events  # 160 ms of lag + 80 ms silence >= early_ms (220) counted from the fade
    assert isinstance(early, EarlyEndCandidate) and early.ended_at == pytest.approx(faded)
    now, events = _feed_level(detector, SILENCE, 0, 400, now)
    (ended,) = [e for e in events if isinstance(e, TurnEnded)]
    assert ended.ended_at == pytest.approx(faded)
    assert ended.at == pytest.approx(faded + 0.5, abs=0.021)  # end_ms after the fade, not after the VAD
    assert len(ended.audio) >= (1000 + 160) * RATE // 1000  # the audio keeps the tail the VAD heard


def test_back_dating_is_capped_and_off_for_inaudible_audio() -> None:
    for level, lag_ms, expected_ms in ((3000, 400, 200.0), (50, 160, 0.0)):  # cap; below ~-50 dBFS: none
        detector = TurnDetector(RATE)
        now, _ = _feed_level(detector, SILENCE, 0, 200, 100.0)
        now, _ = _feed_level(detector, SPEECH, level, 1000, now)
        now, _ = _feed_level(detector, SPEECH, 1, lag_ms, now)
        vad_end = now
        now, events = _feed_level(detector, SILENCE, 0, 600, now)
        (ended,) = [e for e in events if isinstance(e, TurnEnded)]
        assert ended.ended_at == pytest.approx(vad_end - expected_ms / 1000.0)
        assert ended.at == pytest.approx(vad_end + (500.0 - expected_ms) / 1000.0, abs=0.021)


def test_back_dating_can_be_switched_off() -> None:
    detector = TurnDetector(RATE, TurnConfig(end_energy_db=None))
    now, _ = _feed_level(detector, SILENCE, 0, 200, 100.0)
    now, _ = _feed_level(detector, SPEECH, 3000, 1000, now)
    now, _ = _feed_level(detector, SPEECH, 30, 160, now)
    vad_end = now
    now, events = _feed_level(detector, SILENCE, 0, 600, now)
    (ended,) = [e for e in events if isinstance(e, TurnEnded)]
    assert ended.ended_at == pytest.approx(vad_end)


def test_speech_right_after_a_turn_continues_it_and_later_speech_needs_a_real_barge_in() -> None:
    detector = TurnDetector(RATE)
    now, _ = _feed_level(detector, SILENCE, 0, 200, 100.0)
    now, _ = _feed_level(detector, SPEECH, 3000, 800, now)
    now, events = _feed_level(detector, SILENCE, 0, 520, now)
    assert any(isinstance(e, TurnEnded) for e in events)
    detector.bot_speaking = True  # the reply has started
    now, _ = _feed_level(detector, SILENCE, 0, 200, now)
    now, events = _feed_level(detector, SPEECH, 3000, 240, now)  # 0.72 s after the end, 240 ms of speech
    barge = [e for e in events if isinstance(e, BargeIn)]
    assert len(barge) == 1 and barge[0].continues_turn
    now, events = _feed_level(detector, SILENCE, 0, 520, now)
    detector.bot_speaking = True
    now, _ = _feed_level(detector, SILENCE, 0, 1200, now)  # well after: a short burst is a backchannel
    now, events = _feed_level(detector, SPEECH, 3000, 240, now)
    now, more = _feed_level(detector, SILENCE, 0, 300, now)
    assert [type(e) for e in events + more] == [Backchannel]


def test_the_turns_benchmark_measures_detection_against_the_words_end(phone_clips: list[Path]) -> None:
    """``infolinia bench turns`` on two recordings: every run one turn, detected end_ms-ish after the words;
    the same recordings with a 0.6-0.9 s pause put in mid-sentence are cut off by the silence rule."""
    from voice.bench_turns import LEADS_S, Judge, ReplayVad, measure
    from voice.bench_turns_data import paused, whole

    clips = [whole(load_phone(p)) for p in phone_clips]
    phone = TurnConfig(start_threshold=0.3, continue_threshold=0.15, tail_ms=60.0)
    vad, no_model = ReplayVad(), Judge(None)
    deployed = measure(vad, no_model, phone, clips)
    assert deployed["runs"] == len(clips) * len(LEADS_S) and deployed["split"] == deployed["cut"] == 0
    assert 450 <= deployed["p50"] <= 800  # 500 ms of silence after the fade, give or take a frame
    lagging = measure(vad, no_model, dataclasses.replace(phone, end_energy_db=None), clips)
    assert lagging["p50"] > deployed["p50"] + 50  # Silero's lag, waited for again
    pausing = measure(vad, no_model, phone, [paused(load_phone(p), i) for i, p in enumerate(phone_clips)])
    assert pausing["cut"] == pausing["runs"]  # a pause longer than end_ms always ends the turn early
