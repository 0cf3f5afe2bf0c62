"""Signs of a stroke or a heart attack told by a relative, and bleeding that does not stop: urgent cues of
``dialog.escalation`` that the sentence model only half hears.

Why apart: a caller rarely says "udar" or "zawał"; they say what they see ("babcia bełkocze i opadł jej kącik
ust", "tata ma ból w klatce i drętwieje mu ręka", "krew leci i nie przestaje"), and by meaning those sat a hair
from the neutral questions (margins 0.000-0.013), so a few words more or less decided a life. The signs are the
ones first-aid courses teach (face, arm, speech; chest pain spreading to an arm). A stroke or infarct that is
the patient's history ("zawał w wywiadzie", "po udarze", "przebyty zawał") is a clinic's question, not one now.
"""

from __future__ import annotations

from collections.abc import Sequence

from dialog.engine_cues import Token, cues, term, term_positions

# The history of an illness, not an attack now: "tata ma zawał w wywiadzie", "mama jest po udarze".
_HISTORY = (
    "wywiad|przebyt|=po =zawale|=po =zawalu|=po =udarze|=po =udarze|=lat =temu|rehabilit|kiedys"
    "|=miesiac =temu|=rok =temu|profilakty|=ryzyko|ryzyka|=przeszedl|=przeszla"
)
# What a past stroke left, asked about: "nadal", "od tego czasu", a rehabilitation, a speech therapist, a benefit.
# Signs told beside a history without these are signs now ("tata po zawale ma krzywą twarz i bełkocze").
_LASTING = term(
    "nadal|wciaz|=od =tego =czasu|=od =tamtej|pozostal|=zostal =mu|=zostala =jej|=zostalo|rehabilit|logoped"
    "|fizjoterap|przysluguj|refundac|orzeczen|turnus|sanatori|zasilek|=renta|=renty"
)
# Signs told as new now, whatever history precedes them: "miała kiedyś udar, a teraz znowu opadła jej ręka".
_NOW_WORDS = (
    "teraz|=dzis|dzisiaj|znowu|=znow|ponownie|nagle|nagly|=nagla|znienacka|=przed =chwila|=od =rana|=od =godziny"
    "|=od =godzin|wlasnie|=w =tej =chwili|=przed =momentem"
)
_NOW = term(_NOW_WORDS)
# Signs of something lasting or harmless, not an attack: a hand numb from the mouse, often or for years, a baby's
# babble ("dziecko bełkocze pierwsze słowa"). Told as sudden ("nagle") they count again. Not the night, a
# child or a computer alone: "w nocy tata zaczął bełkotać" is a stroke found in the morning.
_EVERYDAY = term(
    "=od =myszki|=od =komputera|=od =pisania|=czesto|czasami|=od =dawna|=od =lat|kregoslup|ciesn|nadgarst"
    "|pierwsze =slowa|gaworz|niemowl|bobas|zmeczeni|siedzeni|=od =stania|kolejce|kolejk|botoks|botox|estetyczn"
    "|hialuron"
)
# A face that is goods or a picture ("lalka ma krzywe usta", "telewizor pokazuje krzywo twarze"): a complaint.
_PICTURED = (
    "lalk|maskotk|zabawk|telewizor|ekran|monitor|=obraz|obrazek|zdjeci|=foto|portret|=lustro|manekin|figurk|rzezb"
    "|nadruk|naklejk|reklamac"
)
# Someone on the line or a program that stops talking or understanding: the service, not a stroke.
_SERVICE = "konsultant|infolini|=bot|=bota|=botem|automat|aplikacj|program|=system|rozlacz|sluchawk"
_FACE = "=kacik|kacika|kaciki|=twarz|twarzy|=usta|=ust|ustach|=powieka|powieki|policzek|=buzia|=buzi"
_LIMB = "=reka|=reki|=reke|=ramie|=noga|=nogi|=noge|=cialo|=ciala|polow|=dlon|palce|=bok"
_ATTACK = "zawal!zawalil!zawalon!zawalic!zawala|=udar|=udaru|=udarze|=udarem|=udarowi"
_SPEECH = (
    "=nie =moze =mowic|=nie =potrafi =mowic|przestal =mowic|przestala =mowic|mowi niewyrazn|mowic niewyrazn"
    "|=nie =moze =nic =powiedziec|=nie =moze =wymowic|=nie =rozumie =co"
)
# Face, arm and speech signs may be what a stroke left ("tata po udarze ma bezwładną rękę, czy przysługuje
# rehabilitacja"): not when told as lasting (``_told_as_past``).
_SIGNS = cues(
    "belkocz|belkot",
    ("bezwladn|zdretwial|dretwie|dretwiej|zdretwiej|=nie =czuje|=nie =moze =podniesc|=nie =podniesie", _LIMB),
) + cues(("opadl|opadniet|opada|opadaj|krzyw|wykrzyw|=obwisl|obwisla|obwisle|zwiotczal", _FACE), unless=_PICTURED)
# "co robić przy zawale", "czy to udar": an attack named in any case ("zawalił termin", "wiertarka udarowa" are
# not); named beside a history it is that history ("po zawale, a teraz chce na rower"), even with "teraz".
_NAMED = cues(_ATTACK, unless=_HISTORY)
# An attack named now beside a history ("tata ma zawał, rok temu też miał, co robić?", "mama ma udar, kiedyś już
# miała"): a word of now or a cry for help with it, or "ma zawał / udar"; not a history asked about as lasting or
# written in a record ("zawał w wywiadzie").
_NAMED_NOW = cues(
    (_ATTACK, _NOW_WORDS + "|=co =robic|=co =mam =robic|ratunk|=pomocy|=pomozcie|karetk|pogotowi|=112|=999"),
    "=ma =zawal|=ma =udar|=ma =chyba =zawal|=ma =chyba =udar|=chyba =ma =zawal|=chyba =ma =udar",
    unless="wywiad|nadal|wciaz|=od =tego =czasu|rehabilit|logoped|fizjoterap|przysluguj|refundac|orzeczen|turnus"
    "|sanatori|zasilek|=renta|=renty|profilakty|=ryzyko|ryzyka",
)
# Chest pain is never a history: "mama jest po zawale i znowu boli ją w klatce" is an emergency now.
_CHEST = cues(
    ("=bol|=bole|bolu|boli|piecze|pieczen|ucisk|gniecie|sciska|kluje", "klatce|klatki|klatka|mostk|piersiach"),
    "=zlapal =sie =za =serce|=zlapala =sie =za =serce|=trzyma =sie =za =serce",
    unless="karmi|laktac|sutk|biust|stanik|mastolog|mammogr",  # a nursing mother's breast, not the heart
)
# Lost speech alone may be a figure ("nie mogę mówić, jestem w pracy"): with a sudden onset or another sign.
_SPEECH_NOW = cues((_SPEECH, "nagle|nagly|=nagla|znienacka|=udar|belkocz|" + _FACE + "|" + _LIMB), unless=_SERVICE)
# Blood that flows and does not stop ("krew leci i nie przestaje", "krew leje się strumieniem"), or a
# haemorrhage; not a blood test ("badanie krwi", "pobranie krwi").
_BLEEDING = cues(
    "krwotok",
    ("=krew", "=leci|leciec|=leje|=cieknie|=tryska|=plynie|=sika|=kapie|=splywa|=nie =przestaje|=nie =ustaje|tamow"),
    ("krwi|krwaw", "zatamow|tamow|=zatrzymac =krwaw|=nie =przestaje|=nie =ustaje|strumien"),
) + cues(
    # a lot of blood, or someone who cut themselves ("kolega się pociął nożem i dużo krwi"); not a blood test
    # or a donation ("pobrali dużo krwi na badania", "oddałem dużo krwi")
    ("=duzo|=mnostwo|=pelno|kaluz|=cala =we|=caly =we|=cale =we", "=krwi|=krwia"),
    "=pocial =sie|=pociela =sie|=sie =pocial|=sie =pociela|podcial =sobie|podciela =sobie|podcial =zyly|podciela =zyly",
    unless="badan|pobra|pobier|oddal|oddaj|oddaw|krwiodaw|donor|honorow",
)


_HISTORY_TERM = term(_HISTORY)
_ATTACK_TERM = term(_ATTACK)


# Feeling ill now, in words no sign cue takes ("tata po zawale i teraz bardzo źle się czuje", "kręci jej się w
# głowie", "nie poznaje nas"): beside a history the attack named is one now, as it was before the history guard;
# not pain alone ("mama po zawale, boli ją kolano"), which the chest cues take where it matters.
_ILL = (
    "=zle =sie =czuje|=zle =sie =poczul|=zle =sie =poczula|=slabo =mu|=slabo =jej|=slabo =mi|slabnie|zaslabl"
    "|=kreci|zawrot|=jest =dziwna|=jest =dziwny|=nie =poznaje|=nie =kontaktuje|splatan|=poci|=spocon|=blady|=blada"
    "|=siny|=sina|sinieje|dusi|duszn|=tchu|=oddechu|przytomn|mdle|zemdl|omdl|wymiot|promieniuj"
)
_ILL_NAMED = cues((_ATTACK, _ILL))


def _told_as_past(toks: Sequence[Token]) -> bool:
    """Signs a past illness left, asked about as lasting ("tata po udarze ma bezwładną rękę, czy przysługuje
    rehabilitacja"), or everyday ones (``_EVERYDAY``), nothing marking them as new now. Why not any history:
    the guard once cancelled "babcia miała kiedyś udar, a teraz znowu nie może mówić" and "tata po zawale ma
    krzywą twarz i bełkocze", acute strokes told beside a past one."""
    if term_positions(_NOW, toks):
        return False
    return bool(term_positions(_EVERYDAY, toks) or term_positions(_LASTING, toks))


def acute_symptoms(toks: Sequence[Token]) -> bool:
    """Signs of a stroke or a heart attack now, bleeding that does not stop (module docstring), or a toothache
    with a red flag beside it (``_TOOTH_SPREADING``)."""
    if any(c.matches(toks) for c in (*_CHEST, *_BLEEDING, *_NAMED, *_NAMED_NOW, *_ILL_NAMED, *_TOOTH_SPREADING)):
        return True
    return any(c.matches(toks) for c in (*_SIGNS, *_SPEECH_NOW)) and not _told_as_past(toks)


def attack_history(toks: Sequence[Token]) -> bool:
    """A stroke or an infarct named as the patient's history ("mama jest po zawale i pyta o rehabilitację",
    "tata przeszedł udar w zeszłym roku"), no sign of one now: a clinic's question, however near an emergency
    it sits by meaning (both were urgent by meaning alone, margins +0.005 and +0.010)."""
    history = term_positions(_HISTORY_TERM, toks) and term_positions(_ATTACK_TERM, toks)
    return bool(history) and not acute_symptoms(toks)


# A tooth or a gum that aches: a reason to book a dentist, not an emergency, unless a sign of more is told beside
# it: an infection spreading (fever, swelling, pus, chills, a mouth that will not open), bleeding, breathing,
# swallowing or speaking, weakness, fainting or dizziness, getting worse, an injury, a rash, or pain that reaches the
# jaw, the neck, the chest, a shoulder or an arm (a heart attack can be felt there). Only meaning is silenced so,
# never a rule: a sign missing here loses an emergency that meaning alone heard ("ząb boli i mdleję").
# "Zęby" folds to "żeby" (a purpose), so it counts only beside an ache or a trait ("bolą mnie zęby").
_TOOTH_SPEC = (
    "=zab|=zeba|=zebem|=zebie|=zebow|=zebami|zebach|=zabek|=zabka|osemk|plomb|dziasl|trzonow|siekacz|=kiel"
    "|=kla|ukruszon|ukruszyl|=zeby bol|bol =zeby|nadwrazliw =zeby|wrazliw =zeby"
)
_TOOTH = term(_TOOTH_SPEC)
# A toothache with a red flag told beside it is urgent by rule, not by meaning alone (which missed "boli mnie ząb
# i nie mogę połykać śliny" on every KB): swallowing or breathing that fails (an abscess closing the throat),
# fever with chills (sepsis), sweat, nausea, weakness or numbness with an arm, a shoulder or the chest, or sweat
# with nausea (a heart attack felt in the jaw), a neck, throat or eye that swells.
_SWALLOW_FAILS = (
    "=nie =moge polyk|=nie =moge polkn|=nie =moge przelkn|=nie =moze polyk|=nie =moze polkn|=nie =moze przelkn"
    "|trudnosc polyk|trudnosci polyk|trudno polyk|trudno przelkn|ciezko polyk|ciezko przelkn|=nie =moge oddych"
    "|ciezko oddych|trudno oddych|trudnosc oddych|=nie =moze oddych|dusi|duszn|dlawi|=tchu"
)
_FEVER = "goracz|temperatur|rozpalon|stopni"
_CHILLS = "dreszcz|trzes|=telepie"
_HEART_PLACE = "=bark|=barku|ramie|ramien|=reka|=reki|=reke|klatk|mostk|lopatk"
_HEART_SIGN = "=poce|=poci|pocen|spocon|=pot|=potem|niedobrz|nudnos|mdli|mdlos|=slabo|oslab|dretw|mrowi"
_TOOTH_SPREADING = cues(
    (_TOOTH_SPEC, _SWALLOW_FAILS),
    (_TOOTH_SPEC, _FEVER, _CHILLS),
    (_TOOTH_SPEC, _HEART_PLACE, _HEART_SIGN),
    (_TOOTH_SPEC, "=poce|=poci|pocen|spocon|=pot|=potem", "niedobrz|nudnos|mdli|mdlos|wymiot"),
    (_TOOTH_SPEC, "spuch|puchn|opuch|obrzek|obrzmi", "=szyja|=szyi|=szyje|gardl|=oko|=oka|=oczy|powiek"),
)
_MORE_THAN_A_TOOTH = term(
    "goracz|temperatur|stopni|spuch|puchn|opuch|obrzek|obrzmi|=ropa|=ropy|ropie|ropn|dreszcz|krew|krwi|krwaw|krwot"
    "|oddych|oddech|dusi|duszn|dlawi|przelyk|przelkn|wybil|wybit|wybity|upadl|upadla|spadl|spadla|uderz|uraz"
    "|wypad!wypadl|pobil|=szyja|=szyi|=szyje|gardl|=oko|=oka|=oczy|szczek|zuchw|klatk|mostk|=ramie|=reka|=reke"
    "|dretw|mrowi|nieprzytom|zemdl|omdl|drgawk|wymiot|zawrot|=serce|=serca|sepsa|zakazen|=twarz|twarzy|policzek"
    "|=ust|=usta|otworzyc|jezyk|slab|=kreci|belkocz|=mowic|=mowie|gorzej|pogarsz|ucisk|promieniuj"
    # fainting and weakness, no air, swallowing, choking; a rash after an anaesthetic; a heart felt in the chest,
    # the shoulder or as sweat and nausea; a stroke or meningitis; a fever told as heat or shivers; a fall
    "|mdle|mdla|mdlej|mdlos|zaslab|oslab|przytomn|powietrz|polyk|polkn|krztus|zachlys|wysyp|swedz|alergi|uczul"
    "|anafilak|zawal|piers|=bark|=barku|lopatk|=poce|=poci|pocen|=pot|=zlany =potem|=zlana =potem|niedobrz|nudnos"
    "|podwojn|=kark|=karku|sztywn|parali|bezwlad|wylew|udar|rozpalon|trzes|przewroc|=nie =rusza|=nie =reaguj"
    "|=nie =wstaje"
)


def toothache_only(toks: Sequence[Token]) -> bool:
    """A toothache and nothing more ("mam tępy ból zęba", "wypadła mi plomba i ząb boli"): near pain by meaning,
    but a dentist's booking; "ząb boli, mam gorączkę, twarz puchnie" tells an infection spreading and stays."""
    return bool(term_positions(_TOOTH, toks)) and not term_positions(_MORE_THAN_A_TOOTH, toks)
