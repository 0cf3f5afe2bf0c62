"""When a human must take over, and how upset the caller is. Pure functions: text in, decision out.

Cues (``dialog.engine_cues``) match stems and lemmas, so one cue covers every inflection and spelling
without diacritics. Precedence: urgent > complaint > requested_human > individual_offer; not_understood
comes from the dialog (misses in a row), not from the words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from dialog import escalation_words as w
from dialog.engine_cues import Cue, Token, cues, term, term_positions, tokens
from dialog.escalation_devices import device_fails
from dialog.escalation_leaks import data_leak
from dialog.escalation_scams import armed_at_hand, card_used_now, scam_in_progress
from dialog.escalation_scenes import urgent_scene
from dialog.escalation_symptoms import acute_symptoms
from dialog.escalation_water import water_damage
from dialog.mood import mood
from dialog.numbers import is_number_word
from dialog.ports import Reason

PRECEDENCE: tuple[Reason, ...] = (
    "urgent",
    "complaint",
    "requested_human",
    "individual_offer",
    "not_understood",
)
DEFAULT_QUEUES: Mapping[Reason, str] = {
    "urgent": "obsluga", "complaint": "reklamacje", "requested_human": "obsluga",
    "individual_offer": "sprzedaz", "not_understood": "obsluga",
}  # fmt: skip
DEFAULT_PRIORITIES: Mapping[Reason, int] = {
    "urgent": 10, "complaint": 5, "requested_human": 3, "individual_offer": 3, "not_understood": 2,
}  # fmt: skip


_HUMAN = "konsultant|czlowiek|operator|pracownik|doradc|=agent|agenta|agentem|kierownik|przelozon|szef|urzedni|referent"
_ASK = "chce|chcial|=chciec|popros|prosze|=prosic|=daj|dajcie|dajze|potrzebuj|polacz|zawolaj|wezwij|musze"
# "nie <verb>" that means a device is broken ("pralka nie pierze"); "kurier nie przyszedł" is not here.
_BROKEN_VERBS = (
    "chlodzi", "grzeje", "pierze", "swieci", "odpala", "startuje", "reaguje", "laduje", "wlacza", "wlaczaja",
    "drukuje", "kreci", "gra", "wyswietla", "laczy", "czyta", "ssie", "suszy", "mrozi", "zamyka", "otwiera",
)  # fmt: skip
# "Ktoś mi grozi" is a threat; "czy grozi mi kara / mandat / odsetki" is a question about a penalty.
_THREATS = cues(
    "=grozi =mi|=groza =mi|=mi =grozi|=mi =groza|=mnie =grozi|=nam =grozi|=grozil|=grozila|=grozili|=grozic",
    unless="=kara|=kary|=kare|mandat|odset|grzywn|upomnien|egzekuc|oplat|termin|wygasn|blokad|utrat",
)
# The police named ("zgłoszę to na policję", "dzwonię na policję"), not as the sender of a fine or a letter
# ("policja przysłała mandat, jak go zapłacić" was urgent on every KB); an impostor is ``escalation_scams``'.
_POLICE = cues(
    "policj",
    unless="policj przysl|policj wysl|policj wlepil|policj nalozyl|=mandat =od policj|=mandat =z policj"
    "|mandatu =od policj|mandatu =z policj",
)
_CUES: dict[Reason, tuple[Cue, ...]] = {
    "urgent": _THREATS
    + _POLICE
    + cues(
        ("=pali|=palilo|=palil|=palila|=pala|zapalil|zapalilo|zapalila", "=sie|=se"),
        "pozar!pozarn|=ogien|=ognia|=ogniem|plomien|plomieni|=plonie|splonal|=dym|=dymu|dymi!dymisj",
        "porazen|porazil|iskr|iskz|wybuch|eksplod|eksploz|spalenizn|=swad|=czad|=czadu|=czadem|tlenek wegl"
        "|tlenku wegl|nieprzytomn|=nie =oddycha|karetk|reanimac"
        "|przegrzal|przegrzewa|zwarci|spalil|stopil|spuchl|spuchniet",
        ("=prad|=pradem|=pradu", "kop|razi|=bije|=bil|=walnal|=walnelo"),
        "zagrozen|zagraza|niebezpieczenstw|=ranny|=ranna|poparz|oparzyl|oparzen|zatrul|zatruci|krwaw",
        ("potracil|potracila|potracony|potracona", w.VEHICLE),  # a car, not a deduction ("komornik potrącił")
        ("ofiar", "oszustw|oszuk|kradzie|wyludz|przestep"),  # "padłem ofiarą oszustwa", whoever charged what
        ("rozbit|rozcie|krwaw|=rana|=rane", "=glowa|=glowe|=glowy|=reka|=reke|=noga|=noge|=twarz"),
        "phishing|podszyw|podszyl|wlamal|wlaman|przejeli|przejal konto",  # "podszył się pode mnie" too
        ("ukrasc", "=chce|=chca|chcial|probuj|probowal|usiluj"),  # an attempt, not "rower łatwo ukraść"
        # thieves who took something ("złodzieje wynieśli mi sprzęt z domu", a 3rd person): a burglary, not a name
        (
            "zlodziej",
            "=zabral|=zabrali|=zabrala|=zabraly|=wyniesl|=wyniesli|=wynosza|=wycial|=wycieli|=wlamal|=wlamali|=wybil"
            "|=wybili|=wzial|=wzieli|=grasuje|=grasuja|=splondrowali|=okradli|=ukradl|=ukradli|=uciekl|=uciekli",
        ),
        # a theft, not "ukradliście / okradliście mnie" said to the company (a grievance, ``w.CHEATED_BY_YOU``)
        f"ukradl{w.NOT_BY_YOU}|ukradli{w.NOT_BY_YOU}|ukradz|kradzie|kradzion|skradzion|wykradl{w.NOT_BY_YOU}"
        f"|okradl{w.NOT_BY_YOU}|okradli{w.NOT_BY_YOU}|okradzion|okradzi|okradn",
        (
            "uzyl|=uzyla|=uzyto|wykorzystal!wykorzystac|wykorzystano",  # not "jak ją wykorzystać"
            "karty|=karte|konta|=konto|danych|=dane|tozsamosc",
        ),
        "nieautoryzowan",
        "=pozwe|=pozwiemy|=pozew|prawnik|adwokat|prokurat|uokik|rzecznik|=sad|=sadu|=sadzie",
        "zabij|pozabijam|=bomba|=bombe|=bomby|wysadz|polkn|zadlawil|=udusil|=wypadek",
        ("=gaz|=gazu|=gazem|=gas|=gasu|=gazen", "czu!czujn|smierd|ulatn|wycie|zapach|=wali|=cuchnie"),
        "powodz|grozb|pogrozk|=pobije|pobic|szantaz",
        ("pogryzl|pogryzla|pogryzion|ugryzl|ugryzla", "=pies|=psa|=psy|=kot|=kota|zwierz|=waz|zmij|szczur"),
        ("=topi|=topia|topil|=pali|=tli|=dymi|=iskrzy", "=sie"),
        (
            "=ktos|=ktoś|=obcy|=nieznany",
            "karte|karty|karta|=konto|koncie|=konta|danych|=dane",
            "zamowil|zrobil|kupil|zaplacil|uzyl|oplacil|wyplacil|zalogowal|zmienil",
        ),
        (  # someone else obtained the caller's number, card or account ("ktoś wyrobił duplikat mojej karty")
            "=ktos|=obcy|=nieznany",
            "przejal|przejel|wyrobil|zalozyl|aktywowal|podpisal|wzial|wziel",
            "karte|karty|karta|=konto|koncie|=konta|danych|=dane|=numer|numeru|duplikat|umow|dowod",
        ),
    )
    # water running where it should not, a burst pipe, a leak at the meter: ``dialog.escalation_water``
    # fainting, fits, breathlessness (not "prawie zemdlałam"), a fall; impostors, choking and someone who does not
    # respond are ``dialog.escalation_scenes``' (their everyday look-alikes are told apart next to the words)
    + cues(w.ACUTE, w.PARALYSED, w.FALLEN, unless=w.NOT_NOW)
    # a leak of data is ``dialog.escalation_leaks``' (told or used now, not a privacy question); water's is
    # ``dialog.escalation_water``'s
    + cues("=ratunku", unless="internet|dziala|zalogow|aplikac|stron|faktur|rachun")  # not "ratunku, internet padł"
    + cues(("gaz|butl", "sycz"), unless="woda|wody|napoj|butelk|saturator|syfon|gazowan")  # not soda water
    # a fraud, unless the caller accuses the company (below): "oszukaliście", or "to oszustwo" beside a charge
    # "you" made; someone else's fraud told beside such a charge ("ktoś mnie oszukał i naliczyliście…") stays
    + cues("oszust!oszustw|oszuk|wyludz", unless=w.CHEATED_BY_YOU)
    # "dałam się nabrać" (a fraud told by its victim); not "nie dam się", "nie dałam się" (it failed), nor "się
    # nabrać" without a past "dać" ("nie chcę się nabrać", "łatwo się nabrać": a caller wary of an offer)
    + cues("dal =sie =nabrac", unless="=nie dal =sie =nabrac")
    + cues("oszustw", unless=w.BY_YOU)
    + cues(  # a charge nobody asked for is a fraud, unless the caller says the company made it (below)
        (
            "platn|obciaz|pobran|pobral|pobrali|przelew|transakc|pieniadz|pieniedz|karty|=konto|konta|zamowil"
            "|zamowion|kupil|=zakup",
            w.UNASKED,
        ),
        unless=w.CHARGED_BY_YOU,
    ),
    "complaint": (
        # "naliczyliście mi opłatę za coś, czego nie zamawiałem": a bill the caller disputes, not a fraud (a
        # telecom walkthrough heard "call 112" for it); a person in the complaints queue corrects it
        *cues(
            (w.CHARGED_BY_YOU, w.UNASKED),
            w.CHEATED_BY_YOU,
            (w.CHARGED_BY_YOU, "oszustw|naciag"),
            (w.CHARGED_BY_YOU, w.OVERCHARGED),
        ),
        *cues(
            "reklamacj|reklamacyj|zareklam|reklamuj|reklamowac!reklamowk|reklamowal!reklamowk",
            "skarg|poskarz|=skarze",
        ),
        *cues(
            "zepsu|popsu|uszkodz|wadliw|=wada|=wady|=wade|pekniet|=pekl|=pekla|pekniec|rozbit|zniszcz"
            "|zazalen|rozpru|rozdar|rozlecial|rozlecia|rozpadl|rozpada|rozklei|niekomplet|=zepsul"
            "|porysowan|zgniecion|zgniotl|zgniecion|pogniecion|niesprawn|usterk|=defekt|=usterka|wgniecen|=zbity|=zbita|=zbite|stluczon"
            "|=peklo|=pekly|ciekni|cieknie|przecieka|odpada|odpadl|odklei|zardzewial",
            unless="=stary|=stara|=stare|starego|zuzyt|elektrosmiec",
        ),
        # "niepełny zestaw" is a defect; "niepełnosprawny", "niepełnoletni", "niepełny etat" and "rodzina niepełna"
        # are no goods at all (questions about a certificate, a minor's consent, benefits went to complaints)
        *cues("niepeln!niepelnospr!niepelnolet", unless="=etat|etatu|etacie|wymiar|rodzin"),
        *cues("=tepy|=tepa|=tepe|=tepych|stepil|stepion", unless="=bol|=bolu|=bole|boli"),  # a blade, not a pain
        *cues("niemil|niegrzeczn|nieuprzejm|nakrzycz|chamsk|opryskliw|arogan|=zlekcewazyl|=zlekcewazyla"),  # rude staff
        *cues("niezgodn|=przestal|=przestala|=przestalo|=przestaly|=przestaja|=przestaje"),
        *cues(
            "nie dziala|nie dzialaj|nie dzialal|przestal dzial|" + "|".join(f"=nie ={v}" for v in _BROKEN_VERBS),
            unless="=kod|kodu|kupon|stron|=link|linku|aplikac|logow|hasl|=blik|platnos|=konto|konta",
        ),
        *cues(
            (
                "=zly|=zla|=zle|=zlego|=inny|=inna|=inne|innego|niewlasciw",
                "produkt|towar|rozmiar|kolor|model|przedmiot|rzecz",
                "przysl|przyszl|dostal|wyslal|przywiozl",
            ),
            ("brakuj|=brak", "paczk|paczce|przesylk|zestaw|element|czesc|pudel|karton"),
        ),
    ),
    "requested_human": cues(
        "przelacz!przelacznik",
        ("polacz!polaczen", "=mnie|=nas|=z|=ze"),
        "|".join(f"=z {h}|=ze {h}" for h in [*_HUMAN.split("|"), "=kims", "=dzialem", "obslug", "infolini"]),
        ("zyw|prawdziw", "osob|czlowiek|konsultant"),
        ("=ktos|=kogos|=kims|konsultant|czlowiek|osob", "=na =zywo"),
        ("=ktos|=kogos|=z", "=zywy|=zywego|=zywym|=zywa|=zywej|=zywa"),
        (
            "rozmaw!rozmawial|porozmaw!porozmawial|=mowic!mowil|=pomowic!pomowil|gada!gadal|pogada!pogadal",
            "=z =osoba|=z =pania|=z =panem|=z =zywym|=z =zywa",
        ),
        ("przekier", "=mnie|=nas|czlowiek|konsultant|=kogos|=ktos"),
        ("popros|=daj|dajcie|chce|potrzebuj|zawolaj", "=kogos!komus!kims|=ktos!komus!kims"),  # "chcę komuś dać"
        "oddzwon",
        ("=ktos|=kogos|=kims", "pogada|porozmaw|rozmawia|=mowic|=pomowic"),
        ("zadzwoni|zadzwonic|skontaktuje|skontaktowal", f"{_HUMAN}|=ktos|=kogos"),
    )
    + cues(  # "proszę o połączenie z rejestracją", not "… z internetem w nowym mieszkaniu"
        ("prosze|popros|=prosic", "=o =polaczenie =z|=o =polaczenie =ze"),
        unless="internet|siec|sieci|swiatlow|kabl|wod|gaz|prad|lotnisk|=lot|=lotu|lotow|przesiad|pociag|autobus|telewiz",
    ),
    "individual_offer": cues(
        "negocj|upust|opust|przetarg",
        "hurt!hurtown",
        "rabat!rabatowy!rabatowe!rabatowa!rabatowego!rabatowym!rabatowych!rabatowej",
        ("taniej|tansz", "dostan|=da sie|=dacie|=dasz|mozecie|mozna|zejsc|zejdzie|zrobic|=moze|sprzedac"),
        ("firm|biznes|=b2b|=nip|spolk", "ofert|rabat|znizk|upust|wycen|hurt|=cena|=ceny|=cene|warunk"),
        ("indywidualn", "ofert|wycen|=cena|=ceny|=cene|warunk|znizk|rabat"),
        ("wieksz|=duza|=duze|=duzo|=duzej|hurtow", "ilosc|zamowien|partie|partii|sztuk"),
        ("=sto|=dwiescie|kilkadziesiat|kilkaset|=tysiac|setk", "sztuk|egzemplarz"),
        ("zejsc|zejdzie|zejdziecie|spuscic|spuscicie|utarg|targowa", "=cena|=ceny|=cene|cenie"),
        ("lepsz", "=cena|=ceny|=cene|ofert|warunk"),
        ("znizk!znizkow|rabat!rabatow", "zrobi|=dac|=dacie|=dasz|dostan|=moze|sztuk|ilosc|zakupie"),
        ("dogad|=umowimy|=ustalimy|potarg", "=cena|=ceny|=cene|=cenie|cenow|warunk"),
    ),
}
_COMPLAINT_GUARD = cues("=kod|kodu|kupon|stron|=link|linku|aplikac|logow|hasl|=blik|platnos|=konto|konta")[0]
_HUMAN_NOUN_REQUEST = cues((_HUMAN, _ASK))[0]
_HUMAN_NOUN = term(_HUMAN)
_NOT_A_BOT = cues(("=nie", "rozmaw|gada|mowi|porozmaw", "automat|maszyn|robot|=bot|botem|komputer"))[0]
_NEGATED_ASK = re.compile(r"\bnie (chce|chcialbym|chcialabym|potrzebuje|trzeba|musze|prosze)\b")
_POSITIVE_ASK = re.compile(r"\b(daj\w*|popros\w*|polacz\w*|przelacz\w*|chce|zawolaj\w*|potrzebuje)\b")
_FILLERS = {"prosze", "no", "to", "a", "yyy", "eee", "mhm", "halo", "pan", "pani", "jakis", "jakiegos"}


def _wants_human(toks: Sequence[Token], folded: str) -> bool:
    content = [t for t in toks if t.form not in _FILLERS]
    beneficiary = {_after_numbers(toks, i + 1) for i, t in enumerate(toks) if t.form == "dla"}  # "dla człowieka",
    # "pakiety dla 200 pracowników": whom something is for, not whom the caller wants to talk to
    toks = [t for i, t in enumerate(toks) if i not in beneficiary]
    if _NOT_A_BOT.matches(toks):
        return True  # "nie chcę rozmawiać z automatem" is a request despite the "nie"
    hit = any(c.matches(toks) for c in _CUES["requested_human"]) or _HUMAN_NOUN_REQUEST.matches(toks)
    if not hit and 0 < len(content) <= 3:
        hit = bool(term_positions(_HUMAN_NOUN, content))  # "konsultant!", "operator proszę"
    if hit and (neg := _NEGATED_ASK.search(folded)):
        return bool(_POSITIVE_ASK.search(folded[neg.end() :]))  # "nie chcę czekać, dajcie konsultanta"
    return hit


def _after_numbers(toks: Sequence[Token], i: int) -> int:
    """The first token from ``i`` on that is not a number ("200", "dwustu")."""
    while i < len(toks) and (toks[i].form.isdigit() or is_number_word(toks[i].form)):
        i += 1
    return i


def declines_human(text: str) -> bool:
    """'Nie chcę rozmawiać z konsultantem': a human named only to be refused (no later positive ask)."""
    folded = " ".join(t.form for t in tokens(text))
    neg = _NEGATED_ASK.search(folded)
    return neg is not None and not _POSITIVE_ASK.search(folded[neg.end() :]) and not _NOT_A_BOT.matches(tokens(text))


def urgent_cue(text: str) -> bool:
    """An urgent cue in the words themselves (danger, threat, fraud), anger aside."""
    toks = tokens(text)
    return any(cue.matches(toks) for cue in _CUES["urgent"]) or _urgent_told(toks)


def _urgent_told(toks: Sequence[Token]) -> bool:
    """An emergency told by what happens rather than by a danger word: a scene (someone down, choking), water
    running, signs of a stroke or a heart attack, a scam in progress, the caller's card used now, someone armed
    at the door, the caller's data leaked (their own modules tell them from their look-alikes)."""
    told = urgent_scene(toks) or water_damage(toks) or acute_symptoms(toks)
    told = told or scam_in_progress(toks) or card_used_now(toks) or armed_at_hand(toks)
    return told or data_leak(toks)


def detect_reasons(text: str, previous: Sequence[str] = ()) -> list[Reason]:
    """Every escalation reason the caller's words carry, most important first (not_understood excluded:
    that one depends on the dialog, not on the words)."""
    toks = tokens(text)
    found: list[Reason] = []
    for reason in ("urgent", "complaint", "individual_offer"):
        if any(cue.matches(toks) for cue in _CUES[reason]):
            found.append(reason)
    if "urgent" not in found and _urgent_told(toks):
        found.append("urgent")
    if "complaint" not in found and device_fails(toks) and not _COMPLAINT_GUARD.matches(toks):
        found.append("complaint")
    if "urgent" not in found and mood(text, previous) == "angry":
        found.append("urgent")
    if _wants_human(toks, " ".join(t.form for t in toks)):
        found.append("requested_human")
    return sorted(found, key=PRECEDENCE.index)


def detect_reason(text: str, previous: Sequence[str] = ()) -> Reason | None:
    """The one reason that decides the transfer (urgent beats complaint beats requested_human ...)."""
    found = detect_reasons(text, previous)
    return found[0] if found else None


@dataclass(frozen=True)
class EscalationPolicy:
    """Queues and priorities per reason (configurable) and how many misses in a row make a transfer."""

    queues: Mapping[Reason, str] = field(default_factory=lambda: dict(DEFAULT_QUEUES))
    priorities: Mapping[Reason, int] = field(default_factory=lambda: dict(DEFAULT_PRIORITIES))
    max_misses: int = 2

    def queue(self, reason: Reason) -> str:
        return self.queues.get(reason, DEFAULT_QUEUES[reason])

    def priority(self, reason: Reason) -> int:
        return self.priorities.get(reason, DEFAULT_PRIORITIES[reason])

    def decide(self, text: str, previous: Sequence[str], misses: int) -> Reason | None:
        """Reason to transfer now: from the words, else ``not_understood`` once misses reach the limit."""
        return detect_reason(text, previous) or ("not_understood" if misses >= self.max_misses else None)
