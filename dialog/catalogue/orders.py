"""Orders: asking for the number, its status, a delivery address change.

Defaults only: code reads them as ``catalogue.NAME`` (``dialog/catalogue/__init__.py``), where the
operator's prompts file may have replaced them.
"""

from __future__ import annotations

from collections.abc import Mapping

# --- orders -----------------------------------------------------------------------------------------
ASK_ORDER_NUMBER = "Proszę podać numer zamówienia. Jest w e-mailu potwierdzającym zamówienie."
ASK_ORDER_NUMBER_AGAIN = "Nie usłyszałem numeru zamówienia. Proszę podać go cyfra po cyfrze."
ASK_ORDER_NUMBER_AGAIN_WRITTEN = "Nie widzę numeru zamówienia w wiadomości. Proszę wpisać sam numer."  # text chat
ORDER_NOT_FOUND = (
    "Nie znalazłem zamówienia numer {order_id}. Proszę sprawdzić numer i podać go jeszcze raz, cyfra po cyfrze."
)
ORDER_NOT_FOUND_WRITTEN = "Nie znalazłem zamówienia numer {order_id}. Proszę sprawdzić numer i wpisać go jeszcze raz."
ORDER_NOT_FOUND_OFFER = "Niestety nie mogę znaleźć zamówienia numer {order_id}. Czy połączyć z konsultantem?"
ORDERS_UNAVAILABLE_OFFER = (
    "Przepraszam, system zamówień chwilowo nie odpowiada. Czy połączyć z konsultantem, który sprawdzi to ręcznie?"
)
NO_ORDER_NUMBER_OFFER = (
    "Bez numeru zamówienia nie sprawdzę statusu. Czy połączyć z konsultantem, który znajdzie zamówienie po danych?"
)
PHONE_MATCH_OFFER = "Czy chodzi o zamówienie numer {order_id}?"
ORDER_STATUS: Mapping[str, str] = {
    "placed": "Zamówienie numer {order_id} zostało przyjęte i czeka na płatność.",
    "paid": "Zamówienie numer {order_id} jest opłacone i przygotowujemy je do wysyłki.",
    "packed": "Zamówienie numer {order_id} jest spakowane i czeka na odbiór przez przewoźnika.",
    "shipped": "Zamówienie numer {order_id} zostało wysłane.",
    "delivered": "Zamówienie numer {order_id} zostało dostarczone.",
    "cancelled": "Zamówienie numer {order_id} zostało anulowane.",
    "returned": "Zamówienie numer {order_id} wróciło do nas jako zwrot, a pieniądze są w drodze.",
}
ORDER_CARRIER_PENDING = "Wyślemy je przez {carrier}."
ORDER_CARRIER_SHIPPED = "Przesyłkę dostarcza {carrier}."
ORDER_ETA = "Przewidywana data dostawy to {date}."
ORDER_DELIVERED_ON = "Dostawa nastąpiła {date}."
ADDRESS_CHANGE: Mapping[str, str] = {
    "placed": "Zamówienie numer {order_id} nie zostało jeszcze wysłane, więc adres dostawy można zmienić "
    "na koncie, w szczegółach zamówienia.",
    "paid": "Zamówienie numer {order_id} nie zostało jeszcze wysłane, więc adres dostawy można zmienić "
    "na koncie, w szczegółach zamówienia.",
    "packed": "Zamówienie numer {order_id} jest już spakowane. Adres można zmienić przez link "
    "od przewoźnika, który przyjdzie SMS-em po nadaniu paczki.",
    "shipped": "Zamówienie numer {order_id} jest już w drodze. Adres dostawy można zmienić przez link "
    "od przewoźnika w SMS-ie.",
    "delivered": "Zamówienie numer {order_id} zostało już dostarczone, więc adresu nie da się zmienić.",
    "cancelled": "Zamówienie numer {order_id} zostało anulowane, więc adresu nie trzeba zmieniać.",
    "returned": "Zamówienie numer {order_id} zostało zwrócone, więc adresu nie da się już zmienić.",
}
