"""Water damage: a burst pipe, a leak at the water meter, water flooding a home. A danger to property that cannot
wait (an urgent transfer), unlike a complaint about goods, which the same words ("pękła", "cieknie") also tell.

Why apart from the cue table of ``dialog.escalation``: a burst pipe is told in words every complaint uses ("pękła
rura w piwnicy" went to the complaints queue, a water utility's walkthrough), and whether it is happening now
decides: "pękła rura" is an event, "kto płaci za naprawę pękniętej rury?" or "w zeszłym miesiącu pękła rura"
is a calm question about one that is over. The checks here look at what carries the water (a pipe, the meter, a
radiator; never a tap: a dripping tap floods nothing), how it fails (burst, or water flowing out now) and what
else is said about it (a repair, a bill, a month ago, a vacuum cleaner's pipe).
"""

from __future__ import annotations

from collections.abc import Sequence

from dialog.engine_cues import Token, cues, term, term_positions
from dialog.escalation_harm import told

_PLACES = "mieszkan|=dom|domu|domow|piwnic|sasiad|lazienk|kuchni|podlog"
# Water where it should not be, as the cue table had it: "zalewa łazienkę", "woda leje się z sufitu" (not "z
# kranu leci brązowa woda", a water utility's everyday question), "nie mogę zakręcić wody".
_FLOODS = (
    cues(
        ("zalal|zalewa|zalało|zalalo|zalane|zalana|wylal|=tryska", f"{_PLACES}|=woda|wody"),
        ("=nie", "zakrec", "wod|kran|zawor|kurek"),  # "nie mogę zakręcić wody": it keeps running
    )
    + cues(
        ("=leje|=leci", f"{_PLACES}|sufit|=woda|wody"),
        unless="=z kran|kranie",
    )
    + cues(
        # water coming out now onto a wall, a ceiling, the neighbours ("woda cieknie po ścianie, chyba od sąsiada");
        # not from an appliance ("z lodówki cieknie woda na podłogę": a complaint about goods, as before this rule)
        ("=cieknie|=ciekna|=kapie|=kapia|=przecieka|=splywa|=sciekac|=saczy", "=woda|=wody", f"{_PLACES}|sufit|scian"),
        unless="=z kran|kranie|pralk|lodowk|zmywar|zamrazar|klimatyz|ekspres|czajnik|akwari",
    )
)

# Any building or room flooded, not only a home ("zalało urząd", "woda zalewa garaż", "zalało serwerownię"): by a
# flood's own verbs only ("wylali mnie z firmy" is no flood), not after "nie", not of a thing ("zalało mi telefon",
# "zalałem kawą klawiaturę w biurze"), not of mail ("zalali biuro reklamami") and not long ago ("rok temu").
_FLOODED = term("zalal|zalew!zalewow|=zalane|=zalana|=zalany|zatopil|zatopion|podtopil|podtopion|=tonie")
_BUILDINGS = term(
    "urzad|szkol|biur|przychodn|sklep|garaz|serwerown|=hala|=hale|=hali|magazyn|budyn|=blok|bloku|klatk|korytarz"
    "|pokoj|sypialn|salon|poczekal|gabinet|warsztat|firm|zaklad|restaurac|kosciol|szpital|przedszkol|zlobk|zlobek"
    "|strych|pietr|parter|sutere|osiedl|podworz|podwork|ogrod|dzialk|hotel|lokal|pomieszczen|archiw|obor|stajni"
    "|stodol|aptek|=bank|banku|poczt|oddzial|=sala|=sale|=sali|bibliotek|kamienic|ulic|przejsc|tunel|=gmina|gminy"
    "|gminie|=urzedu|recepcj|rejestrac|=kosciol|swietlic|=szatnie|szatni|kotlown|wezel|wezl"
)
_NOT_WATER = term(
    "mail|spam|reklam|ofert|papier|wiadomos|telefon|komork|laptop|klawiatur|kaw|herbat|=sok|soki|pism|zgloszen"
    "|dokument|tydzien|tygod|miesiac|miesiec|=rok|=roku|=lat|=lata|zeszl|ubiegl|poprzedn|kiedys|=temu"
    # a review: an office drowning in paperwork or debts, "zalany" as drunk
    "|wniosk|=dlugach|=dlugi|=przyszedl =zalany|=przyszla =zalana|pijan|=w =trupa|=w =sztok"
)
# A flood that was or is claimed for ("urząd był zalany", "zalany garaż a ubezpieczyciel nie płaci"), unless one
# floods now too ("zalewa garaż, czy ubezpieczenie to pokryje?").
_CLAIMED = term("=byl =zalany|=byla =zalana|=bylo =zalane|=byly =zalane|ubezpiecz|odszkodow")
_NOW = term("zalew!zalewow|=tonie")


def building_flooded(toks: Sequence[Token]) -> bool:
    """'Zalało urząd', 'woda zalewa garaż': a flood told of a named building or room (above)."""
    if not told(_FLOODED, toks) or not term_positions(_BUILDINGS, toks) or term_positions(_NOT_WATER, toks):
        return False
    return not term_positions(_CLAIMED, toks) or bool(told(_NOW, toks))


# What carries water in a building or a street (not a tap, not "rurka" of a fridge: lemma "rura" only).
_CARRIER = term(
    "=rura|rurociag|wodociag|wodomierz|=licznik wod|zawor|kaloryfer|grzejnik|=pion|pionu|pionie"
    "|bojler|hydrofor|przylacz|kanaliz"
)
# A hose (a washing machine's, a shower's, a garden's): water damage only when it burst ("pękł wężyk od pralki");
# one that leaks is a complaint about goods ("wąż od pralki przecieka, czy wymiana jest na gwarancji?")
_HOSE = term("wezyk|=waz|=weza")
# A leak told as slight ("cieknie trochę przy zaworze") or a drip ("kapie zawór"): a repair to book, not a flood
_SLIGHT = term("troche|=lekko|delikatn|kropl|kropel|=ciut|minimaln|=kapie|=kapia")
# It burst: an event told ("pękła", "mróz rozsadził rurę") ...
_BURST = term("=pekl|=pekla|=peklo|=pekly|=pekli|=peka|=pekaja|rozsadzil|rozsadzilo|rozerwal|puscil|rozszczelnil")
# ... or the damage named ("pęknięta rura", "pęknięcie"): now only with "mamy", or water beside it in a statement,
# since "kto płaci za naprawę pękniętej rury?" names one too
_BROKEN = term("pekniet|pekniec")
_WATER_THERE = term("=woda|=wody|=wode|=wodzie|=woda|kaluz|mokr|zalan|bagn")
_OURS = term("=mam|=mamy|=u =mnie|=u =nas")
_QUESTION = frozenset({"czy", "jak", "kto", "ile", "gdzie", "kiedy", "co", "dlaczego"})
# Water coming out now (present tense, or a leak named): whatever else is said, it is happening.
_FLOWS = term(
    "=cieknie|=ciekna|=przecieka|=przeciekaja|=wycieka|=wyciekaja|=leje|=leja|=leci|=tryska|=tryskaja|=wylewa"
    "|=wyplywa|=plynie|=kapie|=kapia|=sika|=saczy|=przesiaka|=zalewa|=wyciek|=przeciek"
)
# Over, or a question about money or prevention: a month ago, repaired, who pays, the bill, "żeby nie pękła".
_OVER = term(
    "tydzien|tygod|miesiac|miesiec|=rok|=roku|=lat|=lata|zeszl|ubiegl|poprzedn|kiedys|=dni =temu|naprawil"
    "|naprawion|naprawiono|usunel|usunieto|usunieta|=byla =pekniet|=byl =pekniet|=bylo =pekniet|placi|zaplac"
    "|oplat|koszt|ubezpiecz|odszkod|zwrot|rachun|faktur|rozlicz|korekt|=zeby|=aby|zapobieg|zabezpiecz|uchron"
)
# Pipes that carry no water to a home: a vacuum cleaner's, a car's exhaust; goods delivered with a crack.
_FAILURE = term("awari")
# ("szybka": glass; not "szybko", a caller in a hurry)
_NOT_PLUMBING = term("odkurzacz|wydech|tlumik|samochod|=auto|rower|paczk|przesylk|przyszl|przyszed|szybk!szybko|plomb")


def _pipe_fails(toks: Sequence[Token]) -> tuple[bool, bool]:
    """(a water carrier burst or leaks, water flows out now); both False for goods or a non-water pipe."""
    burst = bool(term_positions(_BURST, toks))
    carrier = term_positions(_CARRIER, toks) or (burst and term_positions(_HOSE, toks))
    if not carrier or term_positions(_NOT_PLUMBING, toks):
        return False, False
    flows = any(i == 0 or toks[i - 1].form != "nie" for i in term_positions(_FLOWS, toks))  # not "nie cieknie"
    flows = flows and not term_positions(_SLIGHT, toks)
    asked = toks[0].form in _QUESTION  # "czy po pęknięciu rury dostanę rabat na wodę?" names one, tells none
    there = bool(term_positions(_OURS, toks)) or (not asked and bool(term_positions(_WATER_THERE, toks)))
    named = bool(term_positions(_BROKEN, toks)) and there
    return flows or named or burst, flows


def water_damage(toks: Sequence[Token]) -> bool:
    """Water flooding a home or any building, a pipe or the meter burst or leaking now ("pękła rura w piwnicy",
    "cieknie przy wodomierzu", "zalało urząd"); not a burst that is over, repaired or only asked about ("kto
    płaci za naprawę pękniętej rury?", "w zeszłym miesiącu pękła rura"), unless water flows now."""
    floods = [cue for cue in _FLOODS if cue.matches(toks)]
    if floods[1:] or (floods and floods[0] is not _FLOODS[0]) or building_flooded(toks):
        return True
    if floods and not device_drowned(toks) and not spilled(toks):  # not "zalałem telefon wodą": a repair
        return True
    fails, flows = _pipe_fails(toks)
    return fails and (flows or not term_positions(_OVER, toks))


def water_damage_over(toks: Sequence[Token]) -> bool:
    """A pipe's burst or leak that the words say is over or only asked about (a repair, a bill, last month):
    no emergency, even where by meaning the sentence sits near a flood ("rura była pęknięta, hydraulik już
    ją naprawił, jak rozliczyć zużytą wodę?")."""
    fails, flows = _pipe_fails(toks)
    mentioned = fails or (bool(term_positions(_CARRIER, toks)) and bool(term_positions(_FAILURE, toks)))
    return mentioned and not flows and bool(term_positions(_OVER, toks)) and not water_damage(toks)


# Water coming out now by a verb (not "wyciek", "przeciek": nouns a question about cover names too).
_FLOWING = term(
    "=cieknie|=ciekna|=przecieka|=przeciekaja|=wycieka|=wyciekaja|=leje|=leja|=leci|=tryska|=tryskaja|=wylewa"
    "|=wyplywa|=plynie|=sika|=saczy|=przesiaka|=zalewa"
)


# A case supposed, not told ("co jeśli pęknie rura i woda zalewa mieszkanie", "gdy woda cieknie u sąsiada").
_SUPPOSED = term("=jesli|=jezeli|=gdyby|=gdy|=jakby|=w =razie|=na =wypadek")


def water_flowing_now(toks: Sequence[Token]) -> bool:
    """Water damage (above) with water coming out now ("rura pękła i tryska woda, czy ubezpieczenie to
    pokryje?"): a flood that a question about cover or protection does not make calm, unlike "czy ubezpieczenie
    obejmuje zalane mieszkanie?", which tells nothing flowing, or "co jeśli woda leje się z rury?", a case
    supposed (the supposition comes before the flowing verb)."""
    supposed = term_positions(_SUPPOSED, toks)
    flowing = [i for i in told(_FLOWING, toks) if not any(s < i for s in supposed)]
    return bool(flowing) and water_damage(toks)


# A device drowned ("zalało mi telefon", "zalałem laptopa kawą", "telefon wpadł do wody"): a repair, not a flood,
# whatever a flood's word sits near by meaning; a home or a building said beside it keeps the flood.
_DROWNED = term("zalal|zalew!zalewow|=zalany|=zalana|=zalane|zamokl|zamokn|wpadl =do =wody|wpadla =do =wody|utopil")
_DEVICE = term(
    "telefon|komork|smartfon|laptop|komputer|klawiatur|tablet|aparat|zegarek|sluchawk|=pilot|=pilota|czytnik"
)
_A_PLACE = term(_PLACES)
# Water everywhere or still coming ("zalało wszystko, komputer pływa, woda dalej płynie"): a flood, whatever
# device is named beside it.
_EVERYWHERE = term("wszystk|wszedzie|=plywa|=plywaja|zalew!zalewow|=tonie")
# The caller poured or spilled something on a thing ("zalałem pralkę wodą przy myciu", "zalałam słuchawki"): a
# flood only when a home, a room or a building is what got flooded ("zalałem sąsiadów", "zalałam łazienkę").
_SPILLED = term("zalalem|zalalam|zalalismy|zalalysmy|zalales|zalalas")


def _flood_beside(toks: Sequence[Token]) -> bool:
    """A home, a room, a building, water everywhere or still flowing: the flood is more than the thing's."""
    places = term_positions(_A_PLACE, toks) or term_positions(_BUILDINGS, toks) or term_positions(_EVERYWHERE, toks)
    return bool(places) or bool(told(_FLOWING, toks))


def device_drowned(toks: Sequence[Token]) -> bool:
    """'Zalało mi telefon': a flood's word said of a device only, no home, room or building beside it, nor
    water everywhere or still flowing."""
    if not told(_DROWNED, toks) or not term_positions(_DEVICE, toks):
        return False
    return not _flood_beside(toks)


def spilled(toks: Sequence[Token]) -> bool:
    """'Zalałem pralkę wodą': the caller flooded a thing, no home, room or building, nothing flowing on."""
    return bool(told(_SPILLED, toks)) and not _flood_beside(toks)
