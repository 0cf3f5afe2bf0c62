"""Which escalations the knowledge base may take over, and which never (``dialog.engine_understand``).

Why apart from the cues themselves (``dialog.escalation``): the cues say *what* a turn is about; these say
whether a KB answer may stand in for a person. A "does not work" said of a service (a telecom's outage)
may be the KB's; a complaint said outright or damaged goods are a person's job; danger to someone's life
is an emergency however politely it is asked ("mój syn połknął kartę SIM, co robić?").
"""

from __future__ import annotations

from collections.abc import Sequence

from dialog import escalation_words as w
from dialog.engine_cues import Token, cues, term, term_positions, tokens
from dialog.escalation_harm import harmed, poisoned
from dialog.escalation_scams import armed_at_hand, scam_in_progress
from dialog.escalation_scenes import impostor, unresponsive
from dialog.escalation_symptoms import acute_symptoms

# Danger to someone's life or health (a subset of the urgent cues): said in a question the KB could answer
# ("mój syn połknął kartę SIM, co robić?") it stays urgent; theft, fraud or a broken device in a how-to
# question ("jak zablokować kartę po kradzieży?") may still be the KB's.
# Acute danger only: a clinic's "tata po udarze… czy lekarz przyjedzie?" or "zatrucie, czy dostanę L4?" is
# a question for its KB (stroke, infarct, poisoning and bleeding stay urgent cues, which such a question
# may still override).
_LIFE = cues(
    "pozar!pozarn|=ogien|=ognia|plomien|plomieni|=plonie|=dym|=dymu|dymi!dymisj|porazen|porazil|wybuch|eksplod"
    "|eksploz|=czad|=czadu|=czadem|tlenek wegl|tlenku wegl|nieprzytomn|=nie =oddycha|karetk|reanimac"
    "|polkn|zadlawil|=udusil|zabij|pozabijam|=bomba|=bombe|wysadz",
    ("=prad|=pradem|=pradu", "kop|razi|=bije|=bil|=walnal|=walnelo"),
    ("=gaz|=gazu|=gazem|=gas|=gasu|=gazen", "czu!czujn|smierd|ulatn|wycie|zapach|=wali|=cuchnie"),
    ("=pali|=palilo|=palil|=palila|=pala|zapalil|zapalilo|zapalila", "=sie|=se"),
    w.COLLAPSED,
)


# A complaint said outright or goods arrived damaged: a person's job whatever the KB has; a service that
# "nie działa" (a telecom's outage) may be the KB's.
_SAID_COMPLAINT = term(
    "reklamacj|reklamacyj|zareklam|reklamuj|reklamowac!reklamowk|skarg|poskarz|=skarze|zazalen"
    "|zepsu|popsu|uszkodz|wadliw|=wada|=wady|=wade|pekniet|=pekl|=pekla|rozbit|zniszcz|niekomplet|porysowan"
    "|zgniecion|stluczon|=brak|brakuj|=zly|=zla|=zle|niewlasciw|niezgodn"
)


_OUTAGE = term("nie dziala|nie dzialaj|nie dzialal|przestal dzial|przestala dzial|przestalo dzial|przestaly dzial")


def may_be_an_outage(text: str) -> bool:
    """ "Nie działa mi internet", "router przestał działać": a service's outage, which a KB can answer, unless
    a complaint or damage is said too. A device that "się nie włącza" stays a complaint."""
    return bool(term_positions(_OUTAGE, tokens(text))) and not says_complaint(text)


def says_complaint(text: str) -> bool:
    """ "Reklamacja", "skarga" said outright, or damaged, faulty, wrong or missing goods."""
    return bool(term_positions(_SAID_COMPLAINT, tokens(text)))


def danger_to_life(text: str) -> bool:
    """Words of fire, gas, electric shock, poisoning, swallowing, choking, bleeding, unconsciousness or a
    threat to kill: an emergency however it is worded, never a how-to for the KB."""
    toks = tokens(text)
    return any(cue.matches(toks) for cue in _LIFE) or unresponsive(toks) or harmed(toks) or acute_symptoms(toks)


# Someone's body is hurt, ill or at risk (a clinic's "ból w klatce piersiowej" too). An emergency's caller
# nobody takes at once is told the KB's sure answer only when nobody is (``Transfer.answer``): a gas smell or a
# theft may be helped by it ("how to block the SIM"), chest pain is not helped by how to book a cardiologist.
_BODY = term(
    "=bol|=bole|bolu|boli|=bola|zemdl|omdl|drgawk|dusznosc|=dusi =sie|=dusze =sie|oddych|oddechu|=tchu|krwaw"
    "|krwot|=ranny|=ranna|=rany|zawal|=udar|udaru|przytomn|sinie|=sine|paraliz|pogryz|ugryz|ukasz|poparz|oparz"
    "|zatrul|zatruci|goraczk|uczulen|spuch|rozcial|rozciela|padaczk|epilep|dlawi|zachlysn|klatce piersiow"
    "|klatki piersiow|=porod|porodu|=ciaza|=ciazy|=krew|=krwi|nieprzytomn|polkn|zadlawil|udusil|porazen|porazil"
    "|potrac|reanimac|karetk|=nie =oddycha|upadl|upadla|przewrocil|przewrocila|=nie =reaguje|oczu"
)


# Someone threatens the caller (death, a beating, blackmail, a bomb): like someone hurt, 112 and a person, never
# a KB's practical answer beside them (a review: "Grożą mi śmiercią przez telefon, co mam robić?" heard how to
# report an outage, the KB's entry nearest to "co robić").
_THREAT = term(
    "=grozi|=groza|grozil|grozila|grozili|grozac|grozb|pogrozk|szantaz|zabij|pozabij|=pobije|=pobija|pobic"
    "|=bomba|=bombe|=bomby|wysadz|przesladuj|nekaj|nekan"
)


def threatened(text: str) -> bool:
    """Words of a threat against the caller ("grożą mi śmiercią", "szantażuje mnie"): no KB answer beside 112."""
    toks = tokens(text)
    return bool(term_positions(_THREAT, toks)) or armed_at_hand(toks)


def someone_hurt(text: str) -> bool:
    """Words of a body hurt, ill or at risk ("ból w klatce piersiowej", "mama zemdlała"): 112 and a person,
    never a KB's practical answer (how to book a cardiologist) beside them. A poisoning or someone who does not
    respond too: their words are not ``_BODY``'s ("wypiło płyn", "leży i nie odpowiada"), and a review heard
    "dziecko wypiło płyn do naczyń, jak zgłosić reklamację?" answered with how to file a complaint beside 112."""
    toks = tokens(text)
    return bool(term_positions(_BODY, toks)) or acute_symptoms(toks) or poisoned(toks) or unresponsive(toks)


# Someone else took over what is the caller's: their card, number, account or data ("ktoś wyrobił duplikat mojej
# karty SIM", "ktoś zamówił na moje dane telefon", "przejęli moje konto"), or an impostor. Not a plain theft: a
# stolen phone's owner who asks for a duplicate SIM card wants that answer (a review).
_TAKEN_OVER = cues(
    "podszyw|podszyl|phishing|wyludz|przejal|przejel|przejeli|przejet|wlamal|wlaman|nieautoryzowan",
    (
        "=ktos|=obcy|=nieznany|oszust|oszusc",
        "wyrobil|zalozyl|aktywowal|zamowil|kupil|wyplacil|zaplacil|zalogowal|loguje|uzyl|zmienil|wzial|podpisal"
        "|przelal|dostal|wyczyscil",
    ),
)
# What a victim can do now: block, cancel or report ("Jak zablokować kartę SIM?", "Jak zastrzec dowód?").
_PROTECTS = term("zablok|blokow|blokad|zastrz|zglos|zawies|wstrzym|uniewaz|anulow|policj")
_PASSWORD = term("hasl")  # regaining an account: its password ...
_ACCOUNT = term("kont|zalog|logow")  # ... of an account (not "hasło do Wi-Fi")


def identity_taken(text: str) -> bool:
    """Someone else got the caller's card, number, account or data, or pretends to be someone ("podaje się za
    konsultanta"): the KB's how-to of getting such a thing may be the very way it was done."""
    toks = tokens(text)
    return any(cue.matches(toks) for cue in _TAKEN_OVER) or impostor(toks)


# A fraud told by its victim ("oszukali mnie", "ktoś wyłudził ode mnie przelew", "dałem się nabrać"); said to the
# company ("oszukaliście mnie") it is a grievance, and the urgent cues never find it.
_DEFRAUDED = term("oszust|oszusc|oszuk|wyludz|naciagn|podszy|phishing|nabrac|nabral")


def victim(text: str) -> bool:
    """A fraud's victim or someone whose card, number, account or data was taken over (``identity_taken``): the
    KB's answer is for them only what protects (``protects``). Why: a shop's refund how-to told a victim of an
    OLX fraud asking "jak odzyskać pieniądze?" how to return goods, instead of 112 and a person."""
    toks = tokens(text)
    if identity_taken(text) or scam_in_progress(toks):  # "dzwoni ktoś z banku i chce kod blik": not how to pay
        return True
    return bool(term_positions(_DEFRAUDED, toks)) and not accuses_you(text)


def protects(questions: Sequence[str]) -> bool:
    """An entry asked about blocking, cancelling or reporting, or an account's password: what the victim of a
    taken-over card, number or account can act on now (``identity_taken``). Why by the questions: they say what
    an entry is about; an entry on how to get a duplicate SIM card answers the very thing a SIM swap did against
    the caller, and its victim must not hear it beside 112; resetting a password takes an account back."""
    toks = [tokens(q) for q in questions]
    if any(term_positions(_PROTECTS, t) for t in toks):
        return True
    return any(term_positions(_PASSWORD, t) for t in toks) and any(term_positions(_ACCOUNT, t) for t in toks)


_BY_YOU = term(w.CHEATED_BY_YOU)


def accuses_you(text: str) -> bool:
    """'Okradliście mnie', 'oszukujecie ludzi': the caller says the company itself cheated or robbed them, a
    grievance however it sounds by meaning (the sentence model hears a theft, not who did it)."""
    return bool(term_positions(_BY_YOU, tokens(text)))


# What a how-to about an emergency names: water where it should not be, the rescue services, a rescue
# ("jak wypompować wodę z piwnicy", "jak wezwać straż pożarną", "jak ratować zalaną piwnicę"); fire, gas, a body
# hurt or a threat are ``danger_to_life``'s, ``someone_hurt``'s and ``threatened``'s words. Also someone trapped,
# poisoned or missing, and help called for someone: a review found "jak wydostać dziecko z zamkniętego auta w
# upale", "jak odtruć dziecko po grzybach", "gdzie szukać zaginionego dziecka", "jak wezwać pomoc dla sąsiadki"
# urgent by meaning before this rule, and none of them tells a verb.
_HAZARD = term(
    "=woda|=wody|=wode|=wodzie|zalan|zalew|zalal|powodz|wyciek|przeciek|=straz|strazak|pogotow|policj|=112"
    "|=997|=998|=999|ratown|ratun|ratowac|ewakuac|=prad|=pradu|=pradem|=gaz|=gazu"
    "|wydost|uwiez|zatrzasn|zamkniet|odtru|zatru|zagin|wezwac =pomoc|=pomoc =dla|=pomocy =dla|przedawk|karetk"
)
_HOW = frozenset({"jak", "gdzie", "czym", "czy", "co", "skad", "kiedy", "ile"})  # a question's opening word
_PAST = ("l", "la", "lo", "li", "ly", "lem", "lam", "lismy", "lysmy")  # "wypadło", "zemdlała": folded past forms
_ACTIVE = ("acy", "aca", "ace", "acego", "acej", "acym", "acych", "acymi")  # "palącą się", "tonącego"


def _tells(tok: Token) -> bool:
    """A verb form that tells what happens or happened ("leje", "zalała", "pękła", "tonącego"), not an
    infinitive ("hodować"): an inflected form of a verb's lemma, or a past form or an active participle however
    the lemmatiser read it ("palącą" is its own lemma).
    Nouns whose lemma ends like a verb ("w nocy") count too: the rule below then keeps out of the way."""
    verb = tok.lemma.endswith("c") and tok.form != tok.lemma
    return verb or (len(tok.form) > 3 and tok.form.endswith(_PAST + _ACTIVE))


def asks_how_only(text: str) -> bool:
    """A question how or where to do something that tells nothing happening and names no danger ("jak hodować
    pomidory w piwnicy", "gdzie kupić nasiona"): no emergency for the sentence model to find, however near one
    its place or object sits by meaning (a probe's "w piwnicy" sat near "w piwnicy stoi woda po kostki").
    Every emergency the calibration data catches by meaning alone tells something ("dziecko wypiło płyn do
    prania"); an emergency in a how-to's words is a cue's ("jak ugasić palącą się patelnię")."""
    toks = tokens(text)
    infinitive = any(t.form == t.lemma and t.form.endswith("c") and len(t.form) > 4 for t in toks)
    if not infinitive or any(_tells(t) for t in toks):
        return False
    if term_positions(_HAZARD, toks) or danger_to_life(text) or someone_hurt(text) or threatened(text):
        return False
    return toks[0].form in _HOW or text.rstrip().endswith("?")
