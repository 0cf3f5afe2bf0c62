"""Choosing among the recognizer's n-best (dialog/nbest.py): pure, with scripted understanding scores."""

from __future__ import annotations

import pytest

from dialog.nbest import Hypothesis, choose, distinct


def test_prefers_the_hypothesis_the_dialog_understands() -> None:
    scores = {"ile trwa do stawa": 0.1, "ile trwa dostawa": 0.95}
    hyps = [Hypothesis("ile trwa do stawa", 0.62), Hypothesis("ile trwa dostawa", 0.55)]
    chosen = choose(hyps, lambda t: scores[t])
    assert (chosen.index, chosen.text) == (1, "ile trwa dostawa")
    assert chosen.score == pytest.approx(0.5 * 0.55 + 0.5 * 0.95)


def test_keeps_a_confident_transcript_over_a_stretch() -> None:
    scores = {"jaka pogoda": 0.0, "jaka dostawa": 0.5}
    chosen = choose([Hypothesis("jaka pogoda", 0.95), Hypothesis("jaka dostawa", 0.05)], lambda t: scores[t])
    assert chosen.index == 0  # 0.475 against 0.275: the recognizer was sure


def test_skips_empty_and_never_returns_nothing() -> None:
    assert choose([Hypothesis("", 0.9), Hypothesis("halo", 0.1)], lambda t: 0.0).text == "halo"
    assert choose([Hypothesis(" ", 0.9)], lambda t: 0.0).index == 0
    with pytest.raises(ValueError):
        choose([], lambda t: 0.0)


def test_a_first_wording_the_dialog_is_sure_of_goes_ahead_without_scoring_the_rest() -> None:
    asked: list[str] = []

    def understanding(text: str) -> float:
        asked.append(text)
        return 0.9

    chosen = choose(
        [Hypothesis("ile trwa dostawa", 0.5), Hypothesis("ile trwa do stawa", 0.5)], understanding, sure=0.8
    )
    assert chosen.index == 0 and asked == ["ile trwa dostawa"]  # one embedding, not two


def test_another_wording_replaces_the_first_only_when_understood_at_the_floor() -> None:
    """Between two wordings understood equally badly the recognizer's first stays: a garbled alternative
    that matches the KB a little better is noise, not a reading (measured on the shared phone recordings)."""
    hyps = [Hypothesis("Sparks urośnie ogromne drzewo", 0.70), Hypothesis("Sparck urośnie ogromne drzewo", 0.65)]
    scores = {hyps[0].text: 0.05, hyps[1].text: 0.30}
    assert choose(hyps, scores.__getitem__, floor=0.4).index == 0
    assert choose(hyps, scores.__getitem__, floor=0.2).index == 1


def test_the_wordings_behind_the_first_are_judged_by_their_own_scorer() -> None:
    first = {"czuć gas w kuchni": 0.2}
    others = {"czuć gaz w kuchni": 1.0}
    hyps = [Hypothesis("czuć gas w kuchni", 0.6), Hypothesis("czuć gaz w kuchni", 0.5)]
    chosen = choose(hyps, first.__getitem__, others=others.__getitem__, floor=0.4)
    assert chosen.text == "czuć gaz w kuchni" and chosen.understanding == 1.0


def test_distinct_keeps_one_hypothesis_per_wording_best_first() -> None:
    hyps = [Hypothesis("Ile trwa dostawa?", 0.7), Hypothesis("ile trwa dostawa", 0.6), Hypothesis(" ", 0.5),
            Hypothesis("ile trwa do stawa.", 0.4)]  # fmt: skip
    assert [h.text for h in distinct(hyps)] == ["Ile trwa dostawa?", "ile trwa do stawa."]
