"""A statement that a device does not do its job ("mikrofalówka nie podgrzewa"), whatever the verb: a complaint's
cue of ``dialog.escalation`` that no list of verbs could cover.
"""

from __future__ import annotations

from collections.abc import Sequence

from dialog import escalation_words as w
from dialog.engine_cues import Token, term, term_positions

# Verbs after "nie" that do NOT describe a broken product (first person, existence, delivery, wishes).
_PERSON = term(w.PERSONS)
_NOT_A_DEFECT = term(
    "=ma|=mam|=mamy|=maja|=jest|=sa|=byl|=byla|=bylo|=wiem|=chce|=chcial|=moge|=moze|=musze|=trzeba|=wolno"
    "|=rozumiem|=pamietam|=znam|=zgadza|przyszl|przyszed|dotarl|doszl|doszed|dostal|=dojechal|przyjecha"
    "|przyjezdza|=widze|=slysze|=potrzebuje|=zamawial|=zamowil|=odebral|=zdazyl|=bede|=jestem|=bylem|=bylam"
    "|=dziekuje|=prosze|=placil|=zaplacil|=obejmuje|=dotyczy|=wlicza|=mozna|=da"
)
_QUESTION_START = frozenset({"czy", "jak", "jaki", "jaka", "jakie", "gdzie", "ile", "kiedy", "dlaczego", "co"})


def device_fails(toks: Sequence[Token]) -> bool:
    """'Mikrofalówka nie podgrzewa', 'ekspres nie spienia': a statement that something does not do its
    job, whatever the verb. Questions, "nie ma", "nie przyszła" (delivery), first person and a person named
    before it ("mama nie otwiera oczu": left to the danger cues and to meaning) are not."""
    if not toks or toks[0].form in _QUESTION_START:
        return False
    persons = set(term_positions(_PERSON, toks))  # "mama nie otwiera oczu": no device ("mamie pralkę i ona…" is)
    for i, tok in enumerate(toks[1:-1], start=1):
        if i - 1 in persons or i - 2 in persons:
            continue
        verb = toks[i + 1]
        if tok.form != "nie" or toks[i - 1].form in {"ja", "mi", "mnie", "to", "jeszcze", "juz", "ze"}:
            continue
        third_person = verb.form.endswith(("a", "e", "i", "y")) and verb.lemma.endswith("c")
        third_person = third_person and not verb.form.endswith(("my", "scie"))  # "nie wychodziliśmy", "robicie"
        if third_person and not term_positions(_NOT_A_DEFECT, [verb]):
            return True
    return False
