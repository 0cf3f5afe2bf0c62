"""How angry a caller sounds: insults, indignation, impatience, CAPS, "!!" and saying the same again.

Why apart from the escalation cues (``dialog.escalation``): mood is read on every turn for the agent's
summary and the session, while the cues decide a transfer; an angry caller is one reason among several.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from rapidfuzz import fuzz

from dialog.engine_cues import Token, term, term_positions, tokens
from dialog.engine_text import clause_numbers, fold, words

Mood = Literal["calm", "impatient", "angry"]

_STRONG = term(
    "idiot|debil|kretyn|=durni|=duren|=durnie|gown|kurw|chuj|jeba|jebi|pierdol|spierdal|zlodziej|oszusci"
    "|skandal|zenad|=kpina|kpiny|paranoj|nie do przyjecia|haniebn|bezczeln|=dno|horror|=zart|=zarty|wsciek|wkurz"
)
_MILD = term(
    "cholera|cholern|=szlag|beznadziej|dziadost|badziew|=syf|natychmiast|=w =tej =chwili|ile mozna"
    "|mam dosc|ile razy|znowu|po raz kolejny|ciagle|=wciaz|wreszcie|=w =koncu|szybko|szybciej|=juz =trzeci"
    "|=trzeci =raz|=czwarty =raz|=kolejny =raz"
)

# A thief's or a swindler's name given to the company ("jesteście złodziejami", "oszuści z was", "banda
# naciągaczy"): the label of someone addressed, not a theft or a fraud that happened.
_LABEL = term("zlodziej|oszust|oszusc|naciagacz|kretacz|=zlodzieje")
# Who such a name is given to: "jesteście …", "… z was", "banda …"; "wy …" right before it. Never "od was", "u
# was": "dzwonią oszuści od was" are impostors posing as the company, a fraud to report.
_ADDRESSEE = term("=jestescie|=jestes|=z =was|=z =wami|=bando|=banda|=bandy|=bande")
_NEAR = 2  # words between the label and who it names: "złodzieje z was", "jesteście bandą oszustów"


# A name said on its own, set apart by punctuation, to a company the caller speaks to ("Nie chcę z wami
# rozmawiać, oszuści!", "Oszuści, znowu naliczyliście mi opłatę!"): a person's name, not "oszustwo"; its clause
# holds nothing else but these words ("oszuści jedni!").
_NAME = term("zlodziej|oszust!oszustw|oszusc|naciagacz|kretacz")
_WITH_NAME = frozenset({"wy", "jedni", "jedne", "cholerni", "cholerne", "zwykli", "zwykle", "wstretni", "podli"})
# "You" other than in a verb: "z wami", "wam", "wasza firma", "wy"; "was" below, unless who the caller names
# poses as the company ("od was", "za was", "pod was", "u was").
_YOU = term("=wami|=wam|wasz|=wasi|=jestescie")  # "wy" and "was" by their form: their lemma "wy" is "od was" too
_NOT_YOU_BEFORE_WAS = frozenset({"od", "za", "pod", "spod", "u"})
# A third party's call or message told in the same turn ("Dzwonili do mnie, oszuści! Wiecie o tym?"): the name
# may be what the caller calls them, so the fraud is kept (safety first).
_TOLD_CONTACT = term(
    "=dzwoni|=dzwonia|dzwonil|zadzwonil|=zadzwoni|=pisza|=pisze|napisal|wyslal|przyslal|=sms|smsa|esemes|=link"
    "|linku|podaj =sie|podaja =sie|podal =sie|podala =sie|podali =sie|podszyw|podszyl"
)


def _speaks_to_you(toks: Sequence[Token]) -> bool:
    """The caller speaks to the company: "z wami", "wam", "was" (not "od was"), or a verb in the second person
    plural that tells what "you" do or did ("naliczyliście", "robicie"; not a plea, "pomóżcie", "ratujcie")."""
    if term_positions(_YOU, toks):
        return True
    for i, tok in enumerate(toks):
        if tok.form == "wy" or (tok.form == "was" and (i == 0 or toks[i - 1].form not in _NOT_YOU_BEFORE_WAS)):
            return True
        told = tok.form.endswith("scie") or tok.form[-4:-3] in set("aeiouy")  # "-liście", "-ecie", not "-jcie"
        if tok.form.endswith("cie") and told and tok.lemma.endswith("c") and tok.lemma != tok.form:
            return True
    return False


_THIRD = frozenset({"ktos", "im", "ich", "oni", "one"})


def _third_party_acts(toks: Sequence[Token]) -> bool:
    """Someone other than "you" did something ("zabrali", "wyczyścili", "wziął", "mają", "ktoś", "im"): the name
    may be theirs, so the fraud stays (safety first; a review: "Mówię wam, oszuści! Przelałem im wszystkie
    oszczędności" had become an angry caller's insult, no 112)."""
    for tok in toks:
        if tok.form in _THIRD:
            return True
        verb = tok.lemma.endswith("c") and tok.lemma != tok.form and not tok.form.endswith("scie")
        past = tok.form.endswith(("li", "ly", "l", "la"))  # "zabrali", "wziął", "wyczyściła"
        present = tok.form.endswith("a") and len(tok.form) > 2  # "wysyła", "zabiera" (a 3rd person)
        if verb and (past or present):
            return True
    return False


def _said_to_you(text: str, toks: Sequence[Token]) -> set[int]:
    """Positions of a name set apart by punctuation (alone in its clause but for words like "jedni") in a turn
    said to the company; none where a third party's call or message is told beside it."""
    names = term_positions(_NAME, toks)
    if not names or not _speaks_to_you(toks) or term_positions(_TOLD_CONTACT, toks) or _third_party_acts(toks):
        return set()
    clause = clause_numbers(text)
    found: set[int] = set()
    for i in names:
        own = [j for j, c in enumerate(clause) if c == clause[i]]
        if all(j == i or toks[j].form in _WITH_NAME or j in names for j in own):
            found.add(i)
    return found


def _addressed_labels(text: str, toks: Sequence[Token]) -> set[int]:
    """Positions of a thief's or swindler's name given to whoever the caller addresses (the company)."""
    near = term_positions(_ADDRESSEE, toks)  # "wy …" by its form: the lemma "wy" is also "od was", "wam"
    return {
        i
        for i in term_positions(_LABEL, toks)
        if (i and toks[i - 1].form == "wy") or any(abs(i - j) <= _NEAR for j in near)
    } | _said_to_you(text, toks)


def _caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 6 and sum(c.isupper() for c in letters) / len(letters) >= 0.7


def _repeats(text: str, previous: Sequence[str]) -> bool:
    folded = fold(text).strip()
    return len(folded) >= 8 and any(fuzz.ratio(folded, fold(p).strip()) >= 90 for p in previous)


def anger_score(text: str, previous: Sequence[str] = ()) -> tuple[int, int]:
    """(strong cues, total score): insults and indignation count 2, impatience words, CAPS, '!!' and
    saying the same thing again count 1."""
    toks = tokens(text)
    strong = len(set(term_positions(_STRONG, toks)) | _addressed_labels(text, toks))  # "jesteście bandą oszustów"
    mild = len(term_positions(_MILD, toks))
    score = 2 * strong + mild + _caps(text) + (text.count("!") >= 2) + _repeats(text, previous)
    return strong, score


def mood(text: str, previous: Sequence[str] = ()) -> Mood:
    """Mood of one caller turn, given what they said before (repetition is a sign of impatience)."""
    strong, score = anger_score(text, previous)
    if strong or score >= 3:
        return "angry"
    return "impatient" if score >= 1 else "calm"


def session_mood(turns: Sequence[str], window: int = 3) -> Mood:
    """The strongest mood over the caller's last ``window`` turns."""
    order: tuple[Mood, ...] = ("calm", "impatient", "angry")
    moods = [mood(t, turns[:i]) for i, t in enumerate(turns) if i >= len(turns) - window]
    return max(moods, key=order.index, default="calm")


def without_insults(text: str) -> str:
    """``text`` without the thief's or swindler's names it gives the company ("jesteście złodziejami,
    naliczyliście mi opłaty" -> "naliczyliście mi opłaty"). Why: such an insult is anger, and the danger cues
    and the emergency examples read it as a theft or a fraud, so an angry billing complaint was told to call
    112 (a telecom walkthrough). "Złodziej jest w moim domu" names nobody addressed and is kept whole."""
    drop = _addressed_labels(text, tokens(text))
    return " ".join(w for i, w in enumerate(words(text)) if i not in drop) if drop else text
