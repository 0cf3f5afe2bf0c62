"""Batched recognition: the queue's rules with fake model calls, then real Whisper on real Polish turns."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from voice.asr import WhisperRecognizer
from voice.asr_batch import BatchingQueue, Recognised
from voice.asr_score import word_errors
from voice.bench import read_manifest
from voice.wavio import read_audio


class FakeModel:
    """Blocking model calls that record what they were given; ``gate`` holds the first call until set."""

    def __init__(self, doubtful: set[str] = frozenset(), fail: bool = False) -> None:  # type: ignore[assignment]
        self.calls: list[tuple[str, list[str], str | None]] = []
        self.wanted: list[bool] = []  # what ``wanted()`` said when each single call ended
        self.gate = threading.Event()
        self.doubtful, self.fail = doubtful, fail

    def single(self, audio: str, key: str | None, wanted: Callable[[], bool]) -> Recognised:
        self.gate.wait(5)
        self.calls.append(("single", [audio], key))
        self.wanted.append(wanted())
        return (f"{audio}!", 0.9, ())

    def batch(self, audios: list[str], key: str | None, wanted: Callable[[], bool]) -> list[Recognised | None]:
        self.calls.append(("batch", list(audios), key))
        if self.fail:
            raise RuntimeError("model crashed")
        return [None if a in self.doubtful else (f"{a}.", 0.8, ()) for a in audios]


async def test_a_lone_turn_runs_alone_and_turns_queued_behind_it_share_one_batch() -> None:
    model = FakeModel(doubtful={"c"})
    queue = BatchingQueue(model.single, model.batch, max_batch=4)
    first = asyncio.create_task(queue.submit("a", "hot"))
    await asyncio.sleep(0.05)  # "a" is being recognised (held by the gate)
    rest = [asyncio.create_task(queue.submit(x, k)) for x, k in (("b", "hot"), ("c", "hot"), ("d", None))]
    await asyncio.sleep(0.05)
    model.gate.set()
    results = await asyncio.gather(first, *rest)
    assert [r[0][0] for r in results] == ["a!", "b.", "c!", "d!"]  # "c" was doubtful: redone alone
    assert model.calls == [
        ("single", ["a"], "hot"),
        ("batch", ["b", "c"], "hot"),  # same hotwords prompt: one batch
        ("single", ["c"], "hot"),
        ("single", ["d"], None),  # another prompt: not in that batch
    ]
    assert queue.batch_sizes == {1: 2, 2: 1}
    (_, queued_b, spent_b), (_, queued_c, spent_c) = results[1], results[2]
    # Both waited for "a" (they queued before the 50 ms pause) and started together ("c" queued just after
    # "b", so it waited no longer); bounds only, because a loaded machine may stretch any gap.
    assert queued_c >= 0.04 and queued_c <= queued_b
    assert spent_b == spent_c  # and ran as one model call


async def test_a_cancelled_turn_that_has_not_started_costs_nothing() -> None:
    model = FakeModel()
    queue = BatchingQueue(model.single, model.batch, max_batch=4)
    first = asyncio.create_task(queue.submit("a", None))
    await asyncio.sleep(0.05)
    dropped = asyncio.create_task(queue.submit("b", None))  # e.g. a speculative recognition made stale
    kept = asyncio.create_task(queue.submit("c", None))
    await asyncio.sleep(0.05)
    dropped.cancel()
    model.gate.set()
    assert (await first)[0][0] == "a!" and (await kept)[0][0] == "c!"
    assert [c[1] for c in model.calls] == [["a"], ["c"]]


async def test_a_turn_cancelled_while_it_runs_is_counted_as_abandoned_work() -> None:
    """A thread cannot stop: the model time of a recognition nobody waits for any more is reported (the
    benchmarks count what speculative recognitions the callers talked over cost); one that never started
    costs nothing and is not reported."""
    model, abandoned = FakeModel(), []
    queue = BatchingQueue(model.single, model.batch, max_batch=4, on_abandoned=abandoned.append)
    assert queue.has_spare()  # its one worker is idle: a speculative recognition would start at once
    running = asyncio.create_task(queue.submit("a", None))
    await asyncio.sleep(0.05)
    assert not queue.has_spare()
    waiting = asyncio.create_task(queue.submit("b", None))
    await asyncio.sleep(0.05)
    running.cancel()
    waiting.cancel()
    await asyncio.sleep(0.05)
    assert abandoned == []  # still running
    model.gate.set()
    after = await queue.submit("c", None)
    assert after[0][0] == "c!" and [c[1] for c in model.calls] == [["a"], ["c"]]
    assert model.wanted == [False, True]  # the model call was told nobody waits for "a" any more
    assert len(abandoned) == 1 and abandoned[0] >= 0.1  # "a" ran on until the gate opened
    assert queue.has_spare()


async def test_a_failing_batch_fails_its_turns_and_the_queue_goes_on() -> None:
    model = FakeModel(fail=True)
    model.gate.set()
    queue = BatchingQueue(model.single, model.batch, max_batch=4)
    outcomes = await asyncio.gather(*(queue.submit(x, None) for x in "abc"), return_exceptions=True)
    assert all(isinstance(o, RuntimeError) for o in outcomes)
    assert (await queue.submit("d", None))[0][0] == "d!"


REF_85 = "W bankach można założyć konto osobiste, oszczędnościowe lub kredytowe."
REF_87 = "Na targach rzemieślniczych można zobaczyć wiele unikatowych produktów."


class EncoderInputs:
    """Wraps the CTranslate2 model of a loaded recognizer to record what its encoder is given."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.inputs, self.decoded = inner, [], []  # type: ignore[var-annotated]

    def encode(self, features: Any, to_cpu: bool = False) -> Any:
        self.inputs.append(np.array(features))
        return self.inner.encode(features, to_cpu=to_cpu)

    def generate(self, encoded: Any, prompts: Any, **kwargs: Any) -> Any:
        self.decoded.append(len(prompts))  # turns read by one decoder call
        return self.inner.generate(encoded, prompts, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@pytest.mark.models
async def test_real_turns_queued_together_are_one_batch_and_read_as_alone(
    whisper_base: str, recognizer: WhisperRecognizer, eval_dir: Path
) -> None:
    """Each turn of a batch gets exactly the encoder input and the prompt it would get alone.

    The encoder has no padding mask: padded to a neighbour's length (or fed one more frame), a turn is
    heard differently (issue 20). The inputs are compared bit for bit, which does not depend on the CPU;
    the transcripts then match (measured: identical on the whole eval set, docs/benchmarks.md).
    """
    items: list[tuple[Any, str]] = [
        (read_audio(path)[0], ref)
        for path, ref in read_manifest(eval_dir / "manifest_telephony.tsv")
        if "nemo_EB0" in path.name or "nemo_IC0" in path.name
    ][:3]
    rows = dict((p.name, p) for p, _ in read_manifest(eval_dir / "manifest_telephony.tsv"))
    first, second = (read_audio(rows[f"nemo_KS0_neutral_{n}.wav"])[0] for n in (85, 87))
    long_turn = np.concatenate([first, np.zeros(2000, dtype=np.int16), second])  # 8.7 s, over the window less 2 s
    items.append((long_turn, f"{REF_85} {REF_87}"))
    alone_rec = WhisperRecognizer(whisper_base, beam_size=1, temperatures=(0.0,))
    batched = WhisperRecognizer(whisper_base, beam_size=1, temperatures=(0.0,), batch=4)
    await asyncio.gather(alone_rec.load(), batched.load())
    alone_rec._model.model = alone_seen = EncoderInputs(alone_rec._model.model)
    batched._model.model = batch_seen = EncoderInputs(batched._model.model)
    alone = [await alone_rec.transcribe(pcm, 8000) for pcm, _ in items]
    batch_seen.inputs.clear()
    together = await asyncio.gather(*(batched.transcribe(pcm, 8000) for pcm, _ in items))
    (queue,) = batched._queues.values()
    assert queue.batch_sizes[4] == 1  # four callers' turns, one call to the batch path
    # on a CPU the encoder takes one turn at a time (faster there than a batch), the decoder the batch:
    # the three short turns in one call, the long one apart (a padded neighbour hears differently)
    assert [x.shape[0] for x in batch_seen.inputs] == [1, 1, 1, 1]
    assert batch_seen.decoded == [3, 1]
    for row, seen in zip(batch_seen.inputs, alone_seen.inputs, strict=True):
        assert np.array_equal(row, seen)  # bit for bit what the turn got alone
    for (pcm, ref), got, one in zip(items, together, alone, strict=True):
        # same text here; allowance of one word for float rounding on other CPUs (inputs are the guard)
        assert word_errors(ref, got.text)[0] <= word_errors(ref, one.text)[0] + 1, (got, one)
        assert got.processing_s > 0 and got.audio_s == pytest.approx(len(pcm) / 8000)
