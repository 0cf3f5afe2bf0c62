"""A data leak asked about as a topic, a flood or a fire only supposed ("co jeśli pęknie rura", "w razie pożaru"),
a phone dropped in water: calm questions that heard the 112 advice. Beside each, the real emergency said in the
same words (a leak someone uses now, a pipe that burst with "jeśli" in the question, a flat under water) that
must stay urgent. Sentences written before the rules, through the real engine on the KBs of tests/data."""

from __future__ import annotations

import pytest

from tests.e2e.dialog.emergency_probes import said, urgent

LEAK_NOW = [
    "wyciekły moje dane i ktoś bierze na mnie kredyty",
    "dostałem maila, że moje hasło wyciekło i ktoś loguje się na konto",
    "po wycieku danych ktoś założył na mnie konto w banku",
    "moje dane wyciekły i właśnie ktoś zamówił na mnie towar",
    "wyciekł mój pesel i ktoś wziął na mnie pożyczkę",
    "ktoś użył moich danych z wycieku i podpisał umowę na mój numer",
    "przez wyciek danych ktoś przejął moje konto i zmienił hasło",
    "wyciekły dane mojej karty i ktoś płaci nią w internecie",
    "moje dane wyciekły, a teraz dzwonią do mnie z firmy pożyczkowej o kredyt którego nie brałam",
    "wyciek hasła, ktoś właśnie zalogował się na moje konto i wypłaca pieniądze",
    "po tym wycieku ktoś podszywa się pode mnie i wyłudza pieniądze od znajomych",
    "wyciekly moje dane i ktos zaciagnal na mnie kredyt",
]
LEAK_CALM = [
    "czy był u was wyciek danych?",
    "co robicie, żeby nie było wycieku danych",
    "jak chronicie dane przed wyciekiem",
    "czy moje dane wyciekły w tym incydencie z zeszłego roku",
    "słyszałem w wiadomościach o wycieku danych z waszej firmy, czy to prawda",
    "czy w razie wycieku danych zostanę poinformowany",
    "jak sprawdzić, czy mój adres email był w jakimś wycieku",
    "gdzie mogę przeczytać o tym wycieku danych",
    "czy po wycieku powinienem zmienić hasło",
    "jakie dane wyciekły w tym ataku",
    "czy wyciek objął też numery pesel klientów",
    "czy wasza polityka prywatności mówi coś o wycieku danych",
]
SUPPOSED_CALM = [
    "Czy jeśli pęknie rura i leje się woda, polisa to obejmuje?",
    "co zrobić, gdyby zalało mieszkanie",
    "w razie pożaru gdzie jest wyjście ewakuacyjne",
    "co mam robić, jeśli kiedyś pęknie rura w piwnicy",
    "gdyby woda zalała łazienkę, kto pokrywa szkody",
    "na wypadek pożaru czy macie gaśnice w budynku",
    "jeżeli zaleje mi mieszkanie, do kogo mam dzwonić",
    "w razie awarii wodociągu, jeśli leci woda z rury, gdzie to zgłosić",
    "jeśli sąsiad mnie zaleje, czy ubezpieczenie to pokryje",
    "co robić w razie pożaru w mieszkaniu",
    "gdyby pękł kaloryfer i leciała woda, czy przyjedziecie w nocy",
    "jeśli poczuję gaz w mieszkaniu, pod jaki numer dzwonić",
]
SUPPOSED_NOW = [
    "pękła rura, leje się woda, co mam zrobić jeśli nie mogę zakręcić zaworu",
    "zalewa mi mieszkanie, jeśli nie przyjedziecie to zaleje sąsiadów",
    "leje się woda z sufitu, co robić jeśli sąsiada nie ma w domu",
    "pali się w kuchni, co mam robić jeśli gaśnica nie działa",
    "woda tryska z rury w łazience, gdyby ktoś mógł przyjechać natychmiast",
    "pękł kaloryfer i leje się woda na podłogę, jeśli to możliwe przyślijcie kogoś",
    "zalało mi piwnicę, woda wciąż leci, czy jeśli zakręcę główny zawór to wystarczy",
    "czuć gaz w całym mieszkaniu, co zrobić jeśli nie mogę otworzyć okna",
    "w razie czego mówię, że rura pękła i cały czas leje się woda",
    "pękła rura pod zlewem i leci woda, jeżeli nie zakręcę to zaleje sąsiadów",
    "jest pożar w piwnicy, dym idzie na klatkę, co jeśli nie mogę wyjść",
    "woda leje się z pionu do mieszkania, jeśli to możliwe to szybko",
]
DROWNED_CALM = [
    "Zalałem telefon wodą, czy gwarancja to obejmuje?",
    "zalałam laptopa herbatą, czy naprawicie go na gwarancji",
    "telefon wpadł mi do wody, czy mogę go oddać do serwisu",
    "zalałem klawiaturę kawą, ile kosztuje naprawa",
    "zalało mi telefon w deszczu, czy ubezpieczenie to pokrywa",
    "syn zalał tablet sokiem, czy da się to naprawić",
    "zalałem pralkę wodą przy myciu, czy to szkodzi",
    "zalałem słuchawki wodą na basenie i nie grają, co z gwarancją",
    "zalany telefon, czy przyjmiecie go do naprawy",
    "zalałem zegarek wodą, czy jest wodoszczelny",
    "zalałam wodą komputer, czy serwis odzyska dane",
    "zalalem telefon woda, czy gwarancja obejmuje zalanie",
]
DROWNED_NOW = [
    "Zalało wszystko, komputer pływa, woda dalej płynie",
    "zalało całe mieszkanie, telefon i laptop pod wodą, woda ciągle leci",
    "woda zalewa pokój, komputer już pływa",
    "pękła rura i zalało mi biuro, komputery są pod wodą",
    "zalało mieszkanie wodą od sąsiada, woda leje się na telewizor",
    "woda leje się z sufitu na komputer i kontakty",
    "zalało nam serwerownię, woda cały czas płynie",
    "zalało piwnicę wodą, pływa tam mój sprzęt, woda wciąż napływa",
    "wszystko zalane, woda płynie po podłodze, laptop pływa",
    "woda zalewa kuchnię, lodówka stoi w wodzie i iskrzy",
    "zalewa mi mieszkanie, sprzęt elektroniczny zalany, co robić",
    "zalalo wszystko, woda dalej plynie, komputer plywa",
]

# A review: "gdy" with a present verb tells what happens, and a supposition no comma or clause word ends may be the
# whole emergency; the first cut of the rule made each of these calm on every KB.
WHEN_NOW = [
    "gdy włączam kuchenkę śmierdzi gazem",
    "gdy otwieram drzwi do piwnicy czuć gaz",
    "gdy wchodzę do łazienki woda leje się z sufitu",
    "gdyby ktoś pytał pali się u sąsiada",
    "jeśli dobrze widzę to z gniazdka leci dym",
    "gdy piszę to ktoś właśnie włamuje się do mieszkania",
]

# A review (rev7): a supposition about the call itself ("jeśli możecie", "gdyby pani mogła", "jeśli dobrze
# słyszę", "gdyby ktoś pytał"), "w razie czego" (just in case) or "w przypadku mojej mamy" (a person, not a case)
# ends where it is said; the comma after it left out, the rule set aside the emergency told after it up to the
# next clause word, and each of these was calm on every KB.
POLITE_NOW = [
    "jeśli możecie pali się garaż, proszę szybko",
    "jeśli pani może mama nie oddycha, co mam robić",
    "gdyby pani mogła dziecko się dusi co mam robić",
    "na wypadek gdyby ktoś pytał pali się u sąsiada czy mam dzwonić",
    "jeśli dobrze słyszę w piwnicy syczy gaz i śmierdzi a sąsiedzi śpią",
    "w razie czego mąż leży nieprzytomny co robić",
    "jeśli pani pozwoli mój sąsiad chce skoczyć z balkonu co robić",
    "w przypadku mojej mamy ona upadła i nie rusza się gdzie mam dzwonić",
    "w przypadku mojego taty on nie oddycha i sinieje a ja nie wiem co robić",
    "jeśli można szybko leje się woda z sufitu na gniazdka, pomocy",
    "w razie gdyby pan pytał mama leży i nie oddycha, szybko",
    "jeśli się nie mylę w kuchni pali się piekarnik co mam robić",
    "w przypadku mojego mieszkania pali się kuchnia co robić",
    "w razie czego pali się u sąsiada a ja jestem sama z dziećmi",
]

KBS = ("water", "shop", "telecom", "urzad", "klinika")
# A supposition no comma ends, longer than a few words, may hold the emergency itself (a review: both were calm on
# every KB); a short one, or the noun of "w razie …", is still set aside.
LONG_NOW = [
    "jeśli ma pani chwilę dziecko się dusi co robić",
    "gdyby ktoś dzwonił z pogotowia mąż leży nieprzytomny gdzie jesteście",
]
SHORT_CALM = [
    "czy w razie pożaru w bloku woda jest wyłączana",
    "na wypadek gdyby mama źle się czuła czy mogę ją zapisać na jutro",
]
URGENT = [(kb, t) for t in LEAK_NOW + SUPPOSED_NOW + DROWNED_NOW + WHEN_NOW + POLITE_NOW + LONG_NOW for kb in KBS]
CALM = [(kb, t) for t in LEAK_CALM + SUPPOSED_CALM + DROWNED_CALM + SHORT_CALM for kb in KBS]


@pytest.mark.parametrize(("kb", "text"), URGENT)
async def test_a_leak_used_now_a_flood_told_with_if_or_a_flooded_room_is_urgent(kb: str, text: str) -> None:
    outcome = await said(kb, text)
    assert urgent(outcome), outcome


@pytest.mark.parametrize(("kb", "text"), CALM)
async def test_a_leak_as_a_topic_a_supposed_flood_or_a_drowned_phone_stays_calm(kb: str, text: str) -> None:
    outcome = await said(kb, text)
    assert not urgent(outcome), outcome
