"""Emergencies whose words also name everyday things: someone who does not respond (a remote does not either),
someone choking (a stew "dusi się" too), an impostor ("podaje się za konsultanta"; a medicine "podaje się za
pomocą zastrzyku").

Why apart from the cue table of ``dialog.escalation``: a cue's ``unless`` guard looks at the whole sentence, and
a review showed what that costs here: "dzwonię z telefonu sąsiada, mama się przewróciła i nie wstaje" lost its
emergency to the word "telefon", "dziecko się dusi kawałkiem mięsa" to "mięsa". These checks look next to the
words that matter instead: the thing just before "nie reaguje", the word just after "podaje się za".
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from dialog import escalation_words as w
from dialog.engine_cues import Term, Token, cues, term, term_positions
from dialog.escalation_harm import harmed

_NOT_RESPONDING = term(w.NOT_RESPONDING)
_SILENT = term(w.SILENT)
_PERSONS = term(w.PERSONS)
_BODY_SCENE = term(w.BODY_SCENE)
_THINGS = term(w.THINGS)
_ERRANDS = term(
    "prosb|uwag|mail|wiadomos|=sms|budzik|=rano|szkol|upomnien|wezwan|pism|=list|telefon|rachun|faktur|skarg"
)
# Where no scene of a body is told, someone who ignores the caller: a neighbour's nuisance, a complaint unanswered
# ("sąsiad puszcza głośno muzykę i nie reaguje", "ktoś nie reaguje na moje zgłoszenie", a review).
_IGNORES = term("muzyk|glosno|halas|imprez|szczeka|parkuj|smieci|remont|wierc|zgloszen|reklamac|wniosk")
_CHOKING = term(w.CHOKING)
_COOKING = term(w.COOKING)
_POSING = term(w.POSING)
_NOT_POSING = frozenset(w.NOT_POSING.split("|"))
BEFORE, AFTER = 3, 5  # tokens: "telefon syna nie reaguje", "nie reaguje na moje prośby"


def _near(compiled: Term, toks: Sequence[Token], start: int, stop: int) -> bool:
    """``compiled`` within ``toks[start:stop]`` (clipped to the sentence)."""
    lo, hi = max(0, start), min(len(toks), stop)
    return lo < hi and bool(term_positions(compiled, toks[lo:hi]))


def unresponsive(toks: Sequence[Token]) -> bool:
    """'Tata upadł i nie reaguje', 'mama nie otwiera oczu', 'sąsiad leży na klatce i nie odpowiada': a scene of a
    body, or a person whose "nie reaguje" has no thing just before it ("telefon syna nie reaguje") and no errand
    just after ("nie reaguje na moje prośby"); the same scene with a thing before and no person is none ("pilot
    leży na ziemi i nie reaguje"). "Nie odpowiada", "bez ruchu" only in a scene of a body: alone they are a
    mailbox, a phone or a grudge ("syn nie odpowiada na maile", "córka nie odzywa się do mnie")."""
    scene = bool(term_positions(_BODY_SCENE, toks))
    person = bool(term_positions(_PERSONS, toks))
    for p in _not_nobody(_NOT_RESPONDING, toks, person):
        thing = _near(_THINGS, toks, 0, p)
        if scene and (person or not thing):
            return True
        if term_positions(_IGNORES, toks) or not _someone(toks):
            continue
        if not _near(_THINGS, toks, p - BEFORE, p) and not _near(_ERRANDS, toks, p + 1, p + 1 + AFTER):
            return True
    # "nie odpowiada" in a scene with no thing before it is a body ("leży na schodach i nie odpowiada", a person
    # misheard), "bez ruchu" only of a person named ("wniosek leży bez ruchu"); no errand after either. Without a
    # person, not "nikt nie odpowiada" nor "nie odpowiadają" (a review: "reklamacja leży u was i nikt nie odpowiada",
    # "faktura leży w księgowości i nie odpowiadają": an office, not a body)
    silent = [p for p in _not_nobody(_SILENT, toks, person) if not _near(_THINGS, toks, p - BEFORE if person else 0, p)]
    silent = [p for p in silent if not _near(_ERRANDS, toks, p + 1, p + 1 + AFTER)]  # "nie odpowiada na telefon"
    return scene and any(person or (toks[p].form != "bez" and toks[p + 1].form != "odpowiadaja") for p in silent)


def _someone(toks: Sequence[Token]) -> bool:
    """A person named, not "ktoś z obsługi" (staff: who may ignore a complaint, not lie unconscious)."""
    staff = {i for i, (t, n) in enumerate(pairwise(toks)) if t.form == "ktos" and n.form in {"z", "ze"}}
    return any(i not in staff for i in term_positions(_PERSONS, toks))


def _not_nobody(compiled: Term, toks: Sequence[Token], person: bool) -> list[int]:
    """Where ``compiled`` starts; with no person named, not after "nikt" ("nikt nie odpowiada": nobody answers
    the caller; "tata leży na ulicy i nikt nie reaguje" is still a body)."""
    return [i for i in term_positions(compiled, toks) if person or i == 0 or toks[i - 1].form != "nikt"]


def choking(toks: Sequence[Token]) -> bool:
    """'Syn się dusi', 'dziecko się dusi kawałkiem mięsa' (a person named), not 'mięso dusi się za długo'."""
    return bool(term_positions(_CHOKING, toks)) and (
        bool(term_positions(_PERSONS, toks)) or not term_positions(_COOKING, toks)
    )


def impostor(toks: Sequence[Token]) -> bool:
    """'Podaje się za konsultanta / komornika': anyone, unless a manner or a unit follows the "za" ("za pomocą",
    "za minutę"); a missed scam costs more than a false alarm, so the exceptions are listed, not the roles."""
    for p in term_positions(_POSING, toks):
        za = next((i for i in range(p + 1, min(len(toks), p + 5)) if toks[i].form == "za"), None)
        after = toks[za + 1].form if za is not None and za + 1 < len(toks) else ""
        if f"=za ={after}" not in _NOT_POSING:
            return True
    return False


# Someone beaten now ("mąż mnie bije", "ojciec bije mamę"): only the word "policja" beside it made some urgent
# ("mandat od policji to nic, mąż mnie bije"), "maz mnie bije" was calm on every KB. Not a heart, a clock, a
# record, a price or the competition that "bije", nor a current (its own cue).
_BEATEN = cues(
    (
        "=bije|=bija|=uderza|=uderzaja|=kopie|=kopia|katuje|=dusi =mnie|znecaj|=pobil|=pobila|=pobili",
        "=mnie|=nas|=mame|=mamy|=zone|=dzieci|=dziecko|=syna|=corke|=babcie|=tate|=brata|=siostre|=meza",
    ),
    unless="=serce|sercem|zegar|rekord|=glowe|dzwon|=prad|pradem|konkurenc|=cen|=ceny|piorun|=fala|=fale|=deszcz"
    "|ciaz|=w =brzuchu",
)


def urgent_scene(toks: Sequence[Token]) -> bool:
    """Any of the three, someone beaten now, or a poisoning or water on power (``dialog.escalation_harm``)."""
    beaten = any(c.matches(toks) for c in _BEATEN)
    return unresponsive(toks) or choking(toks) or impostor(toks) or harmed(toks) or beaten
