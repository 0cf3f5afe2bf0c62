"""The review of the toothache, purpose-split, hiding and impostor rules, word by word: a toothache with a sign
of more than a tooth (fainting, no air, a rash, a stiff neck, double vision) is not "only a toothache"; a person
after "jak"/"kiedy" inside a purpose is the wish's condition, not an event; a game explains the hiding; a clerk
who wanted nothing, a courier who lets one pay by BLIK, the firm's IT on the caller's computer, a postwoman
bringing the pension are no impostors."""

from __future__ import annotations

import pytest

from dialog.engine_cues import tokens
from dialog.escalation_harm import intruder
from dialog.escalation_scams import scam_in_progress
from dialog.escalation_symptoms import toothache_only


@pytest.mark.parametrize(
    "text",
    [
        "boli mnie zab i mdleje",
        "Ząb mnie boli i zasłabłam w łazience.",
        "bol zeba i nie moge zlapac powietrza",
        "Boli mnie ząb po znieczuleniu, mam wysypkę na całym ciele i swędzi mnie.",
        "boli mnie zab i widze podwojnie",
        "Boli mnie ząb i mam sztywny kark.",
        "boli mnie ząb i chyba mam zawał",
        "ząb boli i bardzo boli mnie w piersiach",
        "boli mnie zab i nie moge polykac",
        "dziecko połknęło ząb i się krztusi",
        "boli mnie ząb i jestem zlany zimnym potem",
    ],
)
def test_a_tooth_with_a_sign_of_more_is_not_only_a_toothache(text: str) -> None:
    assert not toothache_only(tokens(text))


@pytest.mark.parametrize(
    "text",
    [
        "mam tępy ból zęba",
        "boli mnie zab po plombowaniu czy to normalne",
        "wypadła mi plomba, ząb trochę boli, kiedy mogę przyjść",
        "boli mnie ząb, potem przyjdę na wizytę",
    ],
)
def test_a_toothache_alone(text: str) -> None:
    assert toothache_only(tokens(text))


@pytest.mark.parametrize(
    "text",
    [
        "jak ustawic kamere zeby nagrywala jak ktos chodzi po ogrodzie",
        "Chcę założyć alarm, żeby wiedzieć, kiedy ktoś wchodzi do domu.",
        "Czy można ustawić domofon, żeby nie dzwonił, gdy ktoś stoi pod drzwiami?",
        "bawimy się w chowanego, schowałam się za kanapą, a ktoś już stoi w drzwiach i liczy do dziesięciu",
    ],
)
def test_a_wishs_condition_or_a_game_is_no_intruder(text: str) -> None:
    assert not intruder(tokens(text))


@pytest.mark.parametrize(
    "text",
    [
        "proszę żeby przyjechali jak najszybciej ktoś obcy jest w domu",
        "Nie wiem, co zrobić, żeby mnie nie zauważył, ktoś obcy jest na strychu.",
        "prosze zeby ktos przyjechal bo ktos obcy chodzi po mieszkaniu",
        "schowałam się za kanapą, a ktoś już stoi w drzwiach",
        "dzieci bawiły się w chowanego i nagle ktoś obcy wszedł do domu",
    ],
)
def test_an_intruder_after_a_wish_or_while_hiding(text: str) -> None:
    assert intruder(tokens(text))


@pytest.mark.parametrize(
    "text",
    [
        "Kurier dzwonił, że mogę zapłacić za paczkę kodem BLIK przy odbiorze, jak to zrobić?",
        "Informatyk z naszej firmy połączył się zdalnie z moim komputerem i zainstalował drukarkę.",
        "Pracownik pomocy technicznej połączył się z moim komputerem i naprawił internet, dziękuję.",
        "Przyszła pani z poczty z emeryturą z ZUS i chce, żebym podpisała, zanim da gotówkę.",
        "Pan z ZUS przyszedł na kontrolę zwolnienia, ale nie chciał żadnych pieniędzy.",
        "Dzwoniła pani z poczty, ale nie prosiła o żaden kod BLIK, tylko o godzinę doręczenia.",
        "Dzwonił konsultant z banku, że muszę się zalogować do nowej bankowości, czy to prawda?",
        "Dostałam wezwanie z urzędu, że jeśli nie zapłacę, będzie egzekucja, zapłaciłam BLIKIEM, a status się nie"
        " zmienił.",
    ],
)
def test_no_impostor_wants_a_code_or_cash(text: str) -> None:
    assert not scam_in_progress(tokens(text))


@pytest.mark.parametrize(
    "text",
    [
        "Przyszedł pan z urzędu, mówi, że w urzędzie mam zaległość i chce gotówkę teraz, stoi w przedpokoju.",
        "technik z banku laczy sie z moim komputerem i kaze mi logowac sie do konta",
        "informatyk połączył się z moim komputerem i przelewa pieniądze z mojego konta",
        "pan z działu technicznego banku łączy się z moim komputerem i każe się zalogować",
        "Przyszedł pan z ZUS do domu i chce ode mnie gotówkę za wyrównanie emerytury, stoi w drzwiach.",
        "pani z poczty dzwoni i chce kod blik",
        "Pan z poczty dzwoni i chce ode mnie PIN do karty, żeby wydać przesyłkę.",
        "kurier napisał sms że potrzebuje pin do karty bo inaczej paczka wróci",
        "listonosz dzwoni i chce kod blik do przesyłki",
        "Przyszedł pan z ZUS, nie chciał wyjść i żąda ode mnie gotówki, stoi w drzwiach.",
        "urząd napisał, że jak nie zapłacę blikiem dzisiaj, to przyjdzie komornik, i już zapłaciłam",
    ],
)
def test_an_impostor_wants_a_code_or_cash(text: str) -> None:
    assert scam_in_progress(tokens(text))
