"""Short answers read against the closed vocabulary and the n-best rescored by the lexicon, with the real
Whisper base on the shared phone-band recordings (issue 17): isolated number words come out right, the first
words of ordinary sentences (short turns that are not answers) are not turned into numbers or "tak"/"nie",
and hypotheses of real words are preferred."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dialog import build_engine
from voice.asr import SHORT_ANSWERS, WhisperRecognizer
from voice.asr_lexicon import known_share, polish_lexicon
from voice.asr_score import word_errors
from voice.asr_short import ShortAnswers
from voice.bench import read_manifest
from voice.codec import float_to_pcm, ulaw_decode, ulaw_encode
from voice.resample import resample
from voice.wavio import read_audio

pytestmark = pytest.mark.models


@pytest.fixture(scope="module")
def hotwords() -> list[str]:
    """The demo KB's vocabulary: what a call's recognizer is given (``CallLoop`` passes the dialog's)."""
    return build_engine().vocabulary()


def phone_band(audio: np.ndarray) -> np.ndarray:
    """16 kHz float speech as a Twilio caller is heard: 8 kHz, through μ-law and back."""
    return ulaw_decode(ulaw_encode(resample(float_to_pcm(audio), 16000, 8000)))


def first_words(model_dir: str, eval_dir: Path, count: int) -> list[np.ndarray]:
    """The first word of ``count`` nEMO sentences, cut where Whisper's word timestamps say it ends."""
    from faster_whisper import WhisperModel

    model = WhisperModel(model_dir, device="cpu", compute_type="int8", local_files_only=True)
    cuts = []
    for wav in sorted((eval_dir / "wav16k" / "nemo").glob("*.wav"))[:count]:
        pcm, _ = read_audio(wav, 16000)
        audio = pcm.astype(np.float32) / 32768.0
        segments, _ = model.transcribe(audio, language="pl", word_timestamps=True, beam_size=1)
        word = next(w for s in segments for w in s.words)
        cuts.append(audio[max(0, int((word.start - 0.1) * 16000)) : int((word.end + 0.05) * 16000)])
    return cuts


async def test_isolated_number_words_are_read_against_the_vocabulary(
    whisper_base: str, eval_dir: Path, hotwords: list[str]
) -> None:
    """The set's 21 isolated number words (phone copies): the closed vocabulary mends at least one of them
    that the free reading alone gets wrong, and loses none the free reading had right.

    Counted, not named, and no count of mended words: which words Whisper base misreads depends on the CPU
    (CTranslate2's int8 arithmetic differs between instruction sets: "17" is "siedem nasta" on one machine
    and "siedem" on another, and the closed vocabulary mends the first only). An Intel Xeon with AMX reads 16
    against 11; an AVX2-only AMD EPYC, whose free reading is better, 13 against 12. A floor of 3 held on the
    first and failed on the second.
    """
    with_path = WhisperRecognizer(whisper_base, short_words=SHORT_ANSWERS)
    free = WhisperRecognizer(whisper_base, short_words=SHORT_ANSWERS, short_reread=False)
    right: dict[str, set[str]] = {"closed": set(), "free": set()}
    for path, said in read_manifest(eval_dir / "manifest_telephony.tsv"):
        if "gcompris" not in path.name:
            continue
        pcm, rate = read_audio(path)
        for key, rec in (("closed", with_path), ("free", free)):
            if word_errors(said, (await rec.transcribe(pcm, rate, hotwords)).text)[0] == 0:
                right[key].add(path.name)
    assert right["free"] <= right["closed"], right  # none lost
    assert right["closed"] - right["free"], right  # and at least one mended
    assert with_path._engine is not None and with_path._engine.reread["answer"] >= 1


async def test_the_first_word_of_a_sentence_is_not_made_an_answer(
    whisper_base: str, eval_dir: Path, hotwords: list[str]
) -> None:
    with_path = WhisperRecognizer(whisper_base, short_words=SHORT_ANSWERS)
    without = WhisperRecognizer(whisper_base, short_words=())
    vocabulary = set(ShortAnswers().words)
    made_up = []
    for cut in first_words(whisper_base, eval_dir, 16):
        heard = (await with_path.transcribe(phone_band(cut), 8000, hotwords)).text
        free = (await without.transcribe(phone_band(cut), 8000, hotwords)).text
        print(f"{len(cut) / 16000:.2f} s: {free!r} -> {heard!r}")
        if heard in vocabulary and heard != free:
            made_up.append(heard)
    assert with_path._engine is not None and sum(with_path._engine.reread.values()) >= 8  # the path was tried
    assert made_up == []


async def test_the_lexicon_prefers_hypotheses_of_real_polish_words(
    whisper_base: str, eval_dir: Path, hotwords: list[str]
) -> None:
    """The whole shared phone-band set, read with and without the lexicon: where the lexicon changes the
    reading, it took a hypothesis with a larger share of real Polish words ("Pocztówkę" for "Postówkę"), it
    mends at least one sentence, and the set as a whole has no more word errors than without it.

    Why the whole set and not named sentences: which sentences have a non-word on top of the beam depends on
    the CPU (CTranslate2's int8 arithmetic differs between AVX2, AVX-512 VNNI and AMX). Three sentences named
    here once held the gain on two CPUs and came out the same either way on a third (an Intel Xeon with AMX,
    2026-12-07: 3 against 3 errors), while the lexicon mended three others there (125 against 128 errors on
    the set). What holds on every CPU is the mechanism and its net effect, so that is what is asserted."""
    lexicon = polish_lexicon()
    rows = read_manifest(eval_dir / "manifest_telephony.tsv")
    with_it = WhisperRecognizer(whisper_base, short_words=SHORT_ANSWERS, lexicon=True)
    without = WhisperRecognizer(whisper_base, short_words=SHORT_ANSWERS, lexicon=False)
    totals, mended, changed = [0, 0], 0, []
    for path, ref in rows:
        audio = read_audio(path)
        on, off = (await with_it.transcribe(*audio, hotwords)).text, (await without.transcribe(*audio, hotwords)).text
        errors_on, errors_off = word_errors(ref, on)[0], word_errors(ref, off)[0]
        totals[0], totals[1] = totals[0] + errors_on, totals[1] + errors_off
        if on != off:
            changed.append((known_share(on, lexicon), known_share(off, lexicon), on, off))
            mended += errors_on < errors_off
    assert changed, "the lexicon changed no reading of the 75 phone-band recordings"
    assert all(share_on >= share_off for share_on, share_off, *_ in changed), changed
    assert mended >= 1, changed
    assert totals[0] <= totals[1], (totals, changed)
