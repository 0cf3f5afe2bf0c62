"""Harm told in everyday words no single cue word carries: a poisoning ("dziecko wypiło płyn do prania"), water
reaching electricity ("woda dochodzi do kontaktów"), a stranger in the caller's place now ("w piwnicy ktoś jest,
słyszę obce głosy").

Why apart from the cue table of ``dialog.escalation``: each is two or three words together (what was swallowed
and that it was; water, that it moves, and what it reaches), each word alone an everyday one ("płyn do prania",
"kontakt do działu", "ktoś jest w urzędzie w sobotę?"); and a "nie" just before the event undoes it ("dziecko
nie wypiło płynu"). All are danger to life (``dialog.escalation_kinds.danger_to_life``): asked as a question
("co robić?") they still reach 112 and a person, never a KB how-to.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from dialog.engine_cues import Term, Token, term, term_positions
from dialog.escalation_play import play_explains

# Swallowed or drunk (past: it happened): "wypiło", "napiła się", "zjadł", "połknęła", "łyknął".
_SWALLOWED = term(
    "wypil|wypila|wypilo|wypili|napil|napila|napilo|napili|=zjadl|=zjadla|=zjadlo|=zjedli|zjadl =cale|polknal"
    "|polknela|polknelo|polkneli|lyknal|lyknela|lyknelo|nalykal|polizal|polizala|polizalo|przegryzl|przegryzla"
)
# Taken (pills only: "wziął za dużo tabletek", "zażyła całe opakowanie").
_TOOK = term("=wzial|=wziela|=wzielo|zazyl|zazyla|zazylo|przedawkowal")
# What poisons or burns from the inside: cleaning products, solvents, a button battery, a magnet.
_POISONS = term(
    "=plyn|=plynu|chemi|detergent|wybielacz|domestos|=kret|=kreta|=kretem|odkamieniacz|odtluszczacz|rozpuszczalnik"
    "|rozcienczalnik|benzyn|denaturat|amoniak|=kwas|kwasu|=lug|=lugu|trutk|trucizn|pestycyd|nawoz|srodek =czyszcz"
    "|srodka =czyszcz|kapsulk|kapsulek|=bateri|=baterie|=baterii|=baterie|=baterie|bateryjk|magnes|rtec|rteci"
    "|glikol|tabletk =do =zmywar|tabletk =do =prani|tabletki =do =zmywar|=olej =napedow|=nafta|=nafte|=chlor"
)
# Medicine: a poisoning when too much, someone else's, or a small child's.
_PILLS = term("tabletk|tabletek|=lek|=leki|lekow|lekami|pigulk|pastylk|=proszki|proszkow|antydepres|nasenn")
_TOO_MUCH = term(
    "=za =duzo|=za =wiele|=cale =opakowanie|=calego =opakowania|=cala =paczke|=garsc|=wszystkie|kilkanascie"
    "|kilkadziesiat|=kilka|=pare|=babci|=dziadka|=dziadkow|=mamy|=taty|cudz|=nie =swoje|=nie =jego|=nie =jej"
)
_CHILD = term("dzieck|synek|synk|coreczk|maluch|niemowl|wnuk|wnucz|=roczn|=letni|=letnia|=bobas|=dzieci")


def told(compiled: Term, toks: Sequence[Token]) -> list[int]:
    """Where ``compiled`` starts, not just after a "nie" ("nie wypiło", "nie cieknie"): what did happen."""
    return [i for i in term_positions(compiled, toks) if i == 0 or toks[i - 1].form != "nie"]


# Not a poisoning: a thing that "drinks" a battery or "swallows" a card ("aplikacja wypiła mi baterię", "automat
# połknął kartę") just before the verb; coffee from a capsule, a supplement, tap water tasting of chlorine.
_DEVICE = term(
    "aplikac|=gra|=gry|telefon|smartfon|komork|laptop|tablet|zegarek|ekran|automat|bankomat|samochod|=auto|program"
)
_HARMLESS = term("foliow|elektrolit|nawadniaj|=kawe|=kawy|=kawa|ekspres|=kranu")
# A poison named outright ("wybielacz", "płyn do prania"): a coffee mug or the coffee machine's descaler beside it
# does not make it harmless ("syn wypił wybielacz z kubka do kawy"); only the words a drink shares with a poison
# ("kapsułka", "kwas", "chlor", "płyn") give way to ``_HARMLESS``.
_NAMED_POISON = term(
    "chemi|detergent|wybielacz|domestos|=kret|=kreta|=kretem|odkamieniacz|odtluszczacz|rozpuszczalnik|rozcienczalnik"
    "|benzyn|denaturat|amoniak|=lug|=lugu|trutk|trucizn|pestycyd|nawoz|srodek =czyszcz|srodka =czyszcz|magnes|rtec"
    "|glikol|=plyn =do|=plynu =do|kapsulk =do =prania|kapsulke =do =prania|=olej =napedow|=nafta|=nafte"
)
# "Kilka godzin temu", "parę minut przed": a time, not how many pills.
_TIMES = ("godzin", "minut", "dni", "dzien", "tydz", "tygod", "mies", "lat", "razy", "sekund")


def _swallowed(toks: Sequence[Token]) -> bool:
    """Swallowed or drunk by someone: not after "nie", and no device just before the verb."""
    return any(not term_positions(_DEVICE, toks[max(0, i - 3) : i]) for i in told(_SWALLOWED, toks))


def _too_much(toks: Sequence[Token]) -> bool:
    """Too many pills or someone else's; "kilka", "parę" not of a time ("kilka godzin temu")."""
    for i in term_positions(_TOO_MUCH, toks):
        after = toks[i + 1].form if i + 1 < len(toks) else ""
        if toks[i].form not in {"kilka", "pare"} or not after.startswith(_TIMES):
            return True
    return False


def poisoned(toks: Sequence[Token]) -> bool:
    """'Dziecko wypiło płyn do prania', 'syn połknął baterię', 'mama wzięła za dużo tabletek': a cleaning
    product, a solvent or a battery swallowed or drunk, or medicine too much, someone else's or a child's. Not
    "ile tabletek do zmywarki na mycie?" (nothing swallowed) nor "wzięłam tabletkę przeciwbólową"."""
    swallowed = _swallowed(toks)
    harmless = term_positions(_HARMLESS, toks) and not term_positions(_NAMED_POISON, toks)
    if swallowed and term_positions(_POISONS, toks) and not harmless:
        return True
    if not term_positions(_PILLS, toks):
        return False
    took = swallowed or bool(told(_TOOK, toks))
    return took and (_too_much(toks) or (swallowed and bool(term_positions(_CHILD, toks))))


# Water, that it moves or stands (not after "nie": "woda nie dochodzi do kontaktów") ...
_WATER = term("=woda|=wody|=wode|=wodzie|wilgoc")
_REACHES = term(
    "dochodz|doszl|doszla|=leje|=leja|=leci|ciekn|=kapie|=kapia|splyw|=plynie|saczy|=stoi|=stoja|podchodz|podeszl"
    "|zalew!zalewow|zalal|wlewa|wlala|wlalo|=dostala =sie|=dostaje =sie|przesiak|podnosi|=jest =w|=jest =na|=jest =przy"
)
# ... or a flood said of it ("zalało gniazdka", "zamókł bezpiecznik"), not "zalaniem" (protection from it) ...
_FLOODED = term("zalal|zalew!zalewow|=zalane|=zalana|=zalany|=zalanych|zamokl|zamokn")
# ... reaching electricity: a socket, fuses, an extension cord, the wiring, something live.
_ELECTRIC = term(
    "gniazd|bezpiecznik|przedluzacz|=listwe =zasil|=listwa =zasil|rozdzielni|elektryczn|=pod =napieciem"
    "|=pod =pradem|=licznik =pradu|=licznika =pradu|=licznik =energii|=kabel|=kable|kabli|kablach|przewody =elektr"
)
_SOCKET = term("kontakt")  # "do kontaktów" is a socket; "kontakt do działu", "proszę o kontakt" are not
_NOT_A_SOCKET = frozenset({"do", "z", "ze", "mailowy", "telefoniczny", "mailowo", "telefonicznie", "pod", "na"})
_ASKS_CONTACT = frozenset({"o", "brak", "brakuje", "podajcie", "podac", "poprosze", "numer", "dane", "jakis"})


def _live(toks: Sequence[Token]) -> bool:
    """Something electric named: a socket ("gniazdko", "do kontaktów"), fuses, a cord, the wiring."""
    if term_positions(_ELECTRIC, toks):
        return True
    for i in term_positions(_SOCKET, toks):
        after = toks[i + 1].form if i + 1 < len(toks) else ""
        before = toks[i - 1].form if i else ""
        if after not in _NOT_A_SOCKET and before not in _ASKS_CONTACT:
            return True
    return False


# What a product comes with ("jaki kabel jest w zestawie", a review): "jest w" there is no water reaching it.
_IN_THE_BOX = term("zestaw|komplec|komplet|opakowani")
# Water that stands or runs inside an appliance ("woda stoi w zmywarce", "w pralce stoi woda", a review): where it
# belongs, a fault to report, not water reaching something live (unless a flood is said: "zalało gniazdko").
_INSIDE = term(
    "=w =zmywarce|=w =pralce|=w =czajniku|=w =ekspresie|=w =lodowce|=w =zbiorniku|=w =bojlerze|=w =bebnie"
    "|=w =suszarce|=w =kabinie|=w =wannie|=w =zlewie|=w =brodziku"
)


def water_on_power(toks: Sequence[Token]) -> bool:
    """'Woda dochodzi do kontaktów', 'woda leje się na gniazdko', 'zalało gniazdka': water reaching something
    live, an electric shock waiting to happen. Not "podajcie kontakt do działu wody" nor "jak podłączyć pralkę
    do prądu i wody" (water that goes nowhere), nor "woda nie dochodzi do kontaktów"."""
    if not _live(toks) or term_positions(_IN_THE_BOX, toks):
        return False
    if told(_FLOODED, toks):
        return True
    return bool(term_positions(_WATER, toks) and told(_REACHES, toks)) and not term_positions(_INSIDE, toks)


# Someone in the caller's place: a stranger said, or anyone who got in, prowls or tries to get in.
_STRANGER = term("obcy|obca|obce|obcych|obcego|nieznajom|nieznan|intruz|wlamywacz|zlodziej")
_SOMEONE = term("=ktos|=jakis|=jacys|=facet|mezczyzn|=ludzie|=typ|=typek|=typy|=gosc")
_GETS_IN = term(
    "=wszedl|=weszla|=weszli|=wlazl|=wlazla|=wlezli|wlamuj|wlamac|wlamia|szarpie|szarpia|=dobija =sie|=dobijaja"
    "|wywaza|wywazyc|zaglada|=kreci =sie|=kreca =sie|=sie =kreci|=sie =kreca|=krazy|=ukrywa|buszuje|myszkuje"
    "|=chodzi|=chodza|=lazi|=laza|=wchodzi|=wchodza|=skrada|skradaj|=sie =dobija|=sie =dobijaja|prob =otworzyc"
    "|probuj =otworzyc|probowal =otworzyc|usiluj =otworzyc|wybil =szybe|wybija =szybe"
)
_HERE = term("=jest|=sa|=stoi|=stoja|=siedzi|=siedza")
# "Ktoś jest w moim domu": the caller's own place, not a guest's visit; "ktoś z mojej rodziny" is no stranger.
_MINE = term("=w =moim|=w =mojej|=w =naszym|=w =naszej|=na =mojej|=na =naszej|=na =moim|=na =naszym")
_HEARS = term("=slysze|slychac|=slyszymy|=slyszalam|=slyszalem|slysze =w|slysze =na")
_SOUNDS = term("obc|czyjes|=kroki|krokow|=szmery|=halasy|=ktos|=kogos")
_MY_PLACE = term(
    "=dom|=domu|=domem|mieszkan|piwnic|garaz|ogrod|posesj|dzialc|dzialk|strych|=pokoju|kuchni|lazien|podwork"
    "|=okno|=okna|=oknem|=oknami|=drzwi|=drzwiami|komork|altan|=balkon|balkonie|przedpok|korytarz|=klatce|=sien"
    "|=w =srodku"
)
# Someone expected, or noise from the neighbours: a courier, a fitter, a reading, "po mieszkaniu nad nami".
_EXPECTED = term(
    "paczk|kurier|odebr|odbior|przesyl|naprawi|technik|montaz|monter|instal|serwis|odczyt|inkasent|hydraulik"
    "|elektryk|listonosz|przyjdzie|przyjedzie|przyjechac|wizyt|odpowiedzial|=nad =nami|=nad =mna"
    "|=pod =nami|wyzej|administrac|spoldzielni|zarzadc|sprawdz|licznik|wodomierz|ankiet|podpis|ulotk"
)
# Noises of an appliance heard at home ("słyszę hałasy z pralki w łazience", a review): no stranger heard.
_APPLIANCE = term("pralk|lodowk|zmywark|suszark|piekarnik|kaloryfer|grzejnik|=rury|rurach|pomp|wentylat|router|bojler")
# A review: a public place ("ludzie chodzą po korytarzu w urzędzie") is not the caller's; an unknown thing is no
# stranger ("w domu jest nieznane urządzenie w sieci", "w garażu stoi obcy samochód", "jest słaby zasięg").
_PUBLIC = term(
    "=w =urzedzie|=w =sklepie|=w =przychodni|=w =szpitalu|=na =poczcie|=w =szkole|=w =biurze|=w =galerii|=na =dworcu"
)
_A_THING = term(
    "urzadzen|wifi|=sieci|=siec|samochod|=auto|=aut|zapach|nazwisk|numer|zasieg|sygnal|aplikac|router|dekoder"
)


# A break-in by force: no errand explains it ("ktoś się włamuje, przyślijcie kogoś, żeby sprawdził").
_FORCED = term(
    "wlamuj|wlamac|wlamia|szarpie|szarpia|=dobija =sie|=sie =dobija|=dobijaja|=sie =dobijaja|wywaza|wywazyc|=ukrywa"
    "|buszuje|myszkuje|=skrada|skradaj|wybil =szybe|wybija =szybe"
)
_PURPOSE = frozenset({"zeby", "aby", "azeby", "zebym", "zebys", "abym", "abys"})
# An errand named as the purpose ("ktoś wszedł do mieszkania, żeby odczytać licznik"), not the caller's own wish
# that help comes ("chcę, aby ktoś przyjechał"): things and trades only, no verb of arriving.
_ERRAND = term(
    "paczk|kurier|odebr|odbior|przesyl|naprawi|technik|montaz|monter|zamontow|instal|serwis|odczyt|inkasent"
    "|hydraulik|elektryk|listonosz|licznik|wodomierz|ankiet|podpis|ulotk|wpusci"
)
# Long ago ("kiedyś ktoś próbował otworzyć moje drzwi, jak wymienić zamek"), unless it happens again now.
_LONG_AGO = term("kiedys|=temu|zeszl|ubiegl|=wczoraj|=przedwczoraj")
# ... and "od wczoraj" is since then, still now ("od wczoraj ktoś siedzi w mojej piwnicy").
_AGAIN_NOW = term(
    "=teraz|=znowu|=znow|=wlasnie|=w =tej =chwili|=dzis|=dzisiaj|=od =wczoraj|=od =przedwczoraj|=minut =temu"
    "|=minute =temu|=chwile =temu"
)
# An errand only pretended ("wszedł, żeby niby odczytać licznik"): no errand.
_PRETENDED = term("=niby|rzekomo|=podobno|=udajac|podajac =sie|podawal =sie|podawala =sie")


# Who opens a new clause after a purpose ("proszę, żeby ktoś przyjechał, ktoś obcy jest w domu"): a person named
# past the purpose's own subject ("żeby ktoś", "żeby nikt"), or "bo".
_NEW_SUBJECT = term("=ktos|=jakis|=jacys|=facet|mezczyzn|=typ|=typek|=gosc|obcy|obca|obce|nieznajom|intruz|wlamywacz")


# A person after "jak", "kiedy", "czy" inside the purpose is the wish's condition ("kamera, żeby nagrywała, jak ktoś
# chodzi po ogrodzie"; "alarm, żeby wiedzieć, kiedy ktoś wchodzi do domu"), no event told again.
_WHEN = frozenset({"jak", "kiedy", "gdy", "gdyby", "jesli", "jezeli", "czy"})


def _purpose_apart(toks: Sequence[Token]) -> tuple[Sequence[Token], Sequence[Token], Sequence[Token]]:
    """(what is told, the purpose after "żeby"/"aby", what is told after it): "ktoś będzie w domu, żeby odebrać
    paczkę" tells no one in the home now, and "co zrobić, żeby nie wszedł" is the caller's wish, not an event. A
    purpose holds one wish: a person named past its own subject ("żeby ktoś", "żeby nikt obcy"), or "bo", tells
    an event again ("nie wiem co zrobić, żeby się schować, ktoś chodzi po domu"; "proszę, żeby ktoś
    przyjechał, ktoś obcy jest w domu")."""
    cut = next((i for i, t in enumerate(toks) if t.form in _PURPOSE), len(toks))
    people = set(term_positions(_NEW_SUBJECT, toks)) | {i for i, t in enumerate(toks) if t.form == "nikt"}
    later = [i for i in people if i >= cut + 2 and i - 1 not in people]  # not "żeby ktoś obcy nie wszedł"
    later = [i for i in later if toks[i - 1].form not in _WHEN]  # the wish's condition
    later += [i for i in range(cut + 1, len(toks)) if toks[i].form == "bo"]
    again = min(later, default=len(toks))
    return toks[:cut], toks[cut:again], toks[again:]


def intruder(toks: Sequence[Token]) -> bool:
    """'W piwnicy ktoś jest, słyszę obce głosy', 'ktoś obcy chodzi po moim domu', 'ktoś próbuje otworzyć moje
    drzwi', 'ktoś się włamuje, co zrobić, żeby...': someone who got in or tries to (not after "nie"), a stranger
    there, someone in a place said to be the caller's own, or strangers heard there, told before any "żeby". Not
    "czy ktoś jest w urzędzie w sobotę?" (no place of the caller's), "słyszę obce głosy w słuchawce" (none
    heard there), "ktoś wszedł do mieszkania, żeby odczytać licznik" (an errand, unless by force), "ktoś
    chodzi po mieszkaniu nad nami" nor "kiedyś ktoś próbował otworzyć drzwi". An event told again after the
    purpose is judged on its own. A game, a present or a surprise with no danger word beside it explains
    whoever walks about or comes in ("bawimy się w chowanego i ktoś chodzi po domu", ``dialog.escalation_play``)."""
    told_, purpose, again = _purpose_apart(toks)
    found = _intruder_told(told_, purpose, toks) or (bool(again) and intruder(again)) or _hiding(toks)
    return found and not play_explains(toks)


# The caller hiding from someone ("schowałam się w szafie", "co zrobić, żeby mnie nie znalazł"): whoever is there
# or prowls is a danger, wherever the caller says they are ("ktoś chodzi po piętrze"). Not "zamknęłam się w
# łazience" (locked in by accident; "czy ktoś jest w stanie przyjechać?").
_HIDES = term(
    "=jak =sie =schowac|=gdzie =sie =schowac|=zeby =sie =schowac|schowalam =sie|schowalem =sie|schowalismy =sie"
    "|=sie =schowalam|=sie =schowalem|=jak =sie =ukryc|=gdzie =sie =ukryc|=zeby =sie =ukryc|ukrylam =sie"
    "|ukrylem =sie|=sie =ukrylam|=sie =ukrylem|zabarykad|=mnie =nie =znalazl|=nas =nie =znalazl"
    "|=mnie =nie =zobaczyl|=nas =nie =zobaczyl|=mnie =nie =uslyszal|=nas =nie =uslyszal"
)


def _hiding(toks: Sequence[Token]) -> bool:
    """The caller hides while someone is there or prowls (not "schowałam paczkę, bo kurier przyjdzie", nor a
    game of hide-and-seek: ``intruder`` asks ``play_explains``)."""
    if not term_positions(_HIDES, toks) or term_positions(_EXPECTED, toks):
        return False
    someone = bool(term_positions(_SOMEONE, toks)) or bool(term_positions(_STRANGER, toks))
    return someone and bool(told(_GETS_IN, toks) or told(_HERE, toks))


def _intruder_told(told_: Sequence[Token], purpose: Sequence[Token], toks: Sequence[Token]) -> bool:
    """``intruder`` on what is told before a purpose (``purpose`` may name an errand that explains it)."""
    if not term_positions(_MY_PLACE, told_) or term_positions(_EXPECTED, told_):
        return False
    if term_positions(_PUBLIC, told_) and not term_positions(_MINE, told_):  # "w moim sklepie" is the caller's
        return False
    if term_positions(_LONG_AGO, told_) and not term_positions(_AGAIN_NOW, told_):
        return False
    someone = bool(term_positions(_SOMEONE, told_)) or bool(term_positions(_STRANGER, told_))
    if (someone and told(_FORCED, told_)) or _heard(told_):
        return True
    errand = bool(term_positions(_ERRAND, purpose)) and not term_positions(_PRETENDED, toks)
    return _got_in(told_) and not errand


def _heard(toks: Sequence[Token]) -> bool:
    """Strangers heard in the caller's place, not an appliance's noises."""
    sounds = bool(term_positions(_SOUNDS, toks)) and not term_positions(_APPLIANCE, toks)
    return bool(told(_HEARS, toks)) and sounds


def _got_in(toks: Sequence[Token]) -> bool:
    """Someone who got in, prowls or is there (the part of ``intruder`` an errand may explain)."""
    someone = bool(term_positions(_SOMEONE, toks))
    stranger = bool(term_positions(_STRANGER, toks))
    if (someone or stranger) and told(_GETS_IN, toks):
        return True
    unknown = someone and not any(t.form == "ktos" and n.form in {"z", "ze"} for t, n in pairwise(toks))
    here = bool(told(_HERE, toks)) and (stranger or (unknown and bool(term_positions(_MINE, toks))))
    return here and not term_positions(_A_THING, toks)


def harmed(toks: Sequence[Token]) -> bool:
    """Any of this module's harms."""
    return poisoned(toks) or water_on_power(toks) or intruder(toks)
