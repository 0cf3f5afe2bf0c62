"""The beam's hypotheses rescored by known Polish words (issue 17), with a toy lexicon."""

from __future__ import annotations

import numpy as np

from voice.asr_decode import Decoded
from voice.asr_engine import Engine
from voice.asr_lexicon import best_hypothesis, known_share

WORDS = {"kupiłem", "nową", "szafę", "do", "sypialni", "dwa"}


def lexicon(word: str) -> bool:
    return word in WORDS


def test_known_share_counts_words_after_normalising() -> None:
    assert known_share("Kupiłem nową szafę do sypialni.", lexicon) == 1.0
    assert known_share("kupiłem nową szafę dosypialmi", lexicon) == 0.75
    assert known_share("2", lexicon) == 1.0  # digits are spelled out ("dwa")
    assert known_share("", lexicon) == 0.0


def test_a_slightly_less_likely_hypothesis_of_real_words_wins() -> None:
    nbest = [("kupiłem nową szafę dosypialmi", -0.40), ("kupiłem nową szafę do sypialni", -0.45)]
    assert best_hypothesis(nbest, lexicon)[0] == "kupiłem nową szafę do sypialni"
    far = [("kupiłem nową szafę dosypialmi", -0.40), ("kupiłem nową szafę do sypialni", -0.90)]
    assert best_hypothesis(far, lexicon)[0] == "kupiłem nową szafę dosypialmi"  # the log-prob still counts
    assert best_hypothesis(nbest, lexicon, weight=0.0)[0] == "kupiłem nową szafę dosypialmi"


def test_the_engine_puts_the_rescored_hypothesis_first_and_keeps_the_others() -> None:
    engine = Engine(model=None, options={"no_speech_threshold": 0.6}, min_frames=800, lexicon=lexicon)
    alternatives = (("kupiłem nową szafę dosypialmi", -0.40), ("kupiłem nową szafę do sypialni", -0.45))
    d = Decoded(alternatives[0][0], -0.40, 0.05, 9, 60, alternatives)
    heard = engine._judge(d, np.zeros(16000, dtype=np.float32), rescore=frozenset())
    assert heard.text == "kupiłem nową szafę do sypialni"
    assert heard.alternatives == (alternatives[1], alternatives[0])
    assert engine._judge(d, np.zeros(16000, dtype=np.float32)).text == d.text  # not asked to rescore
    loop = Decoded("dwa", -0.3, 0.05, 2, 36, (("dwa", -0.3), ("do do do do do", -0.29)))
    assert engine._judge(loop, np.zeros(16000, dtype=np.float32), rescore=frozenset()).text == "dwa"  # never a loop


def test_the_knowledge_bases_words_count_as_known() -> None:
    engine = Engine(model=None, options={"no_speech_threshold": 0.6}, min_frames=800, lexicon=lexicon)
    alternatives = (("zamówiłem paczkomad", -0.40), ("zamówiłem paczkomat", -0.45))
    d = Decoded(alternatives[0][0], -0.40, 0.05, 6, 40, alternatives)
    audio = np.zeros(16000, dtype=np.float32)
    assert engine._judge(d, audio, rescore=frozenset()).text == "zamówiłem paczkomad"  # neither is known
    assert engine._judge(d, audio, rescore=frozenset({"paczkomat"})).text == "zamówiłem paczkomat"
