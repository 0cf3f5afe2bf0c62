"""``Transcript.nbest``: what the recognizer heard, best first, as the dialog receives it."""

from __future__ import annotations

import math

import pytest

from voice.ports import Transcript


def test_the_transcript_comes_first_then_the_other_wordings_with_their_probability() -> None:
    """One scale for all: exp of each wording's average log-prob in the beam (the transcript's own
    ``confidence`` also weighs the no-speech probability, which would tilt a choice towards the others)."""
    beam = (("ile trwa do stawa", -0.48), ("ile trwa dostawa", -0.6), ("", -0.7), (" ile trwa dostawa ", -0.9))
    heard = Transcript("ile trwa do stawa", 0.55, 1.5, 0.1, alternatives=beam)
    assert heard.nbest() == [
        ("ile trwa do stawa", pytest.approx(math.exp(-0.48))),
        ("ile trwa dostawa", pytest.approx(math.exp(-0.6))),
        ("ile trwa dostawa", pytest.approx(math.exp(-0.6))),  # a wording twice: its best reading
    ]
    unbeamed = Transcript("ile trwa dostawa", 0.55, 1.5, 0.1, alternatives=(("ile trwa do stawa", -0.3),))
    assert unbeamed.nbest()[0] == ("ile trwa dostawa", 0.55)  # not in the beam: its own confidence


def test_nothing_heard_or_a_rejected_transcript_has_no_nbest() -> None:
    """A rejected turn (a decoding loop, say) keeps its beam for the logs, but must not reach the dialog
    through an alternative: the caller is asked to repeat instead."""
    looped = Transcript("", 0.0, 2.0, 0.2, rejected="loop", alternatives=(("s s s s s s s s", -0.2),))
    assert looped.nbest() == []
    assert Transcript("  ", 0.0, 0.5, 0.05).nbest() == []


def test_a_log_prob_above_zero_is_read_as_certainty_not_more() -> None:
    assert Transcript("tak", 0.9, 0.4, 0.02, alternatives=(("tag", 0.1),)).nbest()[1] == ("tag", 1.0)
