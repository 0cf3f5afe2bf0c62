"""Smart Turn v3.2 (the real ONNX file ``make models`` extracts) on a real Polish phone recording.

Why: the end-of-turn model must load from the prepared cache, compute Whisper features from 8 kHz phone
audio and, with Silero and the turn detector, end a finished sentence on its "complete" verdict after a
short silence. The verdict is applied the moment the model returns (the benchmark adds the model's time).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.support.needs import eval_file, missing
from tests.support.paths import EVAL_DIR
from voice.model_paths import ModelNotAvailable
from voice.models_turn import resolve_smart_turn
from voice.ports import PCM
from voice.turn_model import SmartTurnModel
from voice.turns import EndOfTurnCheck, TurnConfig, TurnDetector, TurnEnded, TurnEvent
from voice.vad import FrameBuffer, SileroModel
from voice.wavio import read_audio, voiced_end_s

RATE = 8000
CLIP = "wav8k_ulaw_telephony/nemo/nemo_EB0_neutral_13.wav"  # "Interesuje mnie historia Polski."


@pytest.fixture(scope="module")
def smart_turn(models_dir: Path) -> SmartTurnModel:
    try:
        return SmartTurnModel(resolve_smart_turn(models_dir))
    except ModelNotAvailable as exc:
        missing(str(exc))


@pytest.fixture(scope="module")
def sentence() -> PCM:
    return read_audio(eval_file(EVAL_DIR / CLIP), RATE)[0]


def test_a_finished_sentence_is_complete_and_its_first_words_are_less_so(
    smart_turn: SmartTurnModel, sentence: PCM
) -> None:
    pause = np.zeros(RATE // 5, np.int16)  # the 200 ms of silence after which the detector asks
    end = int(voiced_end_s(sentence, RATE) * RATE)
    whole = smart_turn.predict(np.concatenate([sentence[:end], pause]), RATE)
    start = smart_turn.predict(np.concatenate([sentence[: end // 2], pause]), RATE)
    assert whole >= 0.9  # 0.98 measured on every CPU tried: far from the 0.5 threshold
    # Cut after "Interesuje mnie": less complete than the whole sentence, by a clear margin. How much less
    # depends on the CPU (the model is int8; onnxruntime's kernels differ by instruction set): 0.09 measured
    # earlier and under 0.5 on the Intel Xeon and the AMD EPYC with VNNI, 0.77 on an AVX2-only AMD EPYC,
    # where the cut would even pass the 0.5 threshold. Not every cut scores low anyway: on these phone
    # recordings most mid-sentence cuts score "complete" (docs/benchmarks.md, bench turns), which is why
    # silence is the default.
    assert start < whole - 0.1, (whole, start)


async def test_the_async_seam_gives_the_same_verdict(smart_turn: SmartTurnModel, sentence: PCM) -> None:
    assert await smart_turn(sentence, RATE) == pytest.approx(smart_turn.predict(sentence, RATE), abs=1e-6)


def test_with_silero_the_turn_ends_on_the_models_verdict(smart_turn: SmartTurnModel, sentence: PCM) -> None:
    config = TurnConfig(start_threshold=0.3, continue_threshold=0.15, model_check_ms=200.0)
    vad, detector = SileroModel().detector(RATE), TurnDetector(RATE, config)
    frames = FrameBuffer(vad.frame_samples)
    audio = np.concatenate([np.zeros(RATE // 2, np.int16), sentence, np.zeros(2 * RATE, np.int16)])
    events: list[TurnEvent] = []
    samples = 0
    for window in frames.push(audio):
        samples += len(window)
        for event in detector.push(vad(window), window, samples / RATE):
            events.append(event)
            if isinstance(event, EndOfTurnCheck):
                events += detector.verdict(event.pause, smart_turn.predict(event.audio, RATE), samples / RATE)
    (ended,) = [e for e in events if isinstance(e, TurnEnded)]
    assert ended.reason == "complete"
    words_end = 0.5 + voiced_end_s(sentence, RATE)
    assert words_end < ended.at < words_end + config.end_ms / 1000  # sooner than the silence rule could
