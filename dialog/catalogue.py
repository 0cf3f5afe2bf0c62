"""Every sentence a caller hears or reads, in one place, for every channel (phone, speaker, chat).

Why one catalogue: wording is reviewed by people who do not read code (legal for the RODO notice,
support leads for tone), and the TTS normaliser is tuned on exactly these sentences. Sentences are
written as they are read: impersonal polite Polish (no "Pan/Pani" guessing), numbers and dates in
digits ("25 listopada", "9,99 zł") for the normaliser. Other modules import constants or call the
small formatting functions below; they never hard-code caller-facing Polish.

Every text here can be replaced by the operator (a prompts YAML file, ``dialog/prompts.py``): the
composition root calls ``configure`` once at start-up, before any text is read. Code therefore reads
``catalogue.NAME`` when it speaks, never ``from dialog.catalogue import NAME`` (that would keep the default).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from types import MappingProxyType

from dialog.ports import Reason

# --- opening and closing ----------------------------------------------------------------------------
GREETING = "Dzień dobry, tu {shop}. Odbiera automatyczny asystent."  # shop: SHOP_NAME_PHRASE with the brand
GREETING_NO_BRAND = "Dzień dobry, tu automatyczny asystent obsługi klienta."  # no brand configured
# The brand as written (nominative: "tu Urząd Gminy Kórnik", "tu Zdrowa Przystań"), so the default fits a shop,
# a clinic or an office alike. A greeting in the genitive style overrides both: greeting "Dzień dobry, tu
# automatyczny asystent {shop}." with shop_name_phrase "sklepu {brand}".
SHOP_NAME_PHRASE = "{brand}"
RODO_NOTICE = (
    "Dane osobowe z rozmowy przetwarzamy tylko w celu obsługi zgłoszenia i dobrowolnej oceny rozmowy "
    "na jej końcu, szczegóły są w polityce prywatności na naszej stronie."
)
DTMF_HINT = "W każdej chwili można nacisnąć zero, aby połączyć się z konsultantem."
HOW_CAN_I_HELP = "W czym mogę pomóc?"
HELLO_AGAIN = "Dzień dobry. W czym mogę pomóc?"
ANYTHING_ELSE = "Czy mogę pomóc w czymś jeszcze?"
THANKS_REPLY = "Proszę bardzo. Czy mogę pomóc w czymś jeszcze?"
GOODBYE = "Dziękuję za rozmowę. Do widzenia!"
STILL_THERE = "Halo, czy nadal mnie słychać?"
SILENCE_GOODBYE = "Nie słyszę odpowiedzi, więc kończę połączenie. Zapraszamy ponownie. Do widzenia."

# --- understanding ----------------------------------------------------------------------------------
REPEAT_PREFIX = "Powtarzam: "
NOTHING_TO_REPEAT = "Jeszcze niczego nie mówiłem. W czym mogę pomóc?"
NOT_HEARD = "Przepraszam, nic nie usłyszałem. Proszę powtórzyć."
CLARIFY = (
    "Przepraszam, nie zrozumiałem. Proszę powiedzieć to innymi słowami, na przykład: {examples}.",
    "Nadal nie jestem pewien, o co chodzi. Proszę opisać sprawę jednym krótkim zdaniem.",
)  # examples: two questions the KB answers (engine_kb.KBStep.examples); optional in an override
CLARIFY_NO_EXAMPLES = "Przepraszam, nie zrozumiałem. Proszę powiedzieć to innymi słowami."  # a KB with no entries
ORDER_QUESTION_EXAMPLE = "gdzie jest moja paczka"  # the first example of CLARIFY when orders can be looked up
EXAMPLES_OR = "albo"  # between the examples: "ile trwa dostawa albo jak złożyć reklamację"
KB_CONFIRM = "Czy chodzi o to: {question}"
# After a first miss, the KB's two nearest entries instead of fixed examples (engine_kb.KBStep.suggest).
KB_SUGGEST = (
    "Przepraszam, nie jestem pewien. Czy chodzi o to: {first}, czy o to: {second}? "
    "Jeśli o coś innego, proszę powiedzieć to innymi słowami."
)
KB_SUGGEST_WHICH = "Proszę powiedzieć: pierwsze, czyli {first}, albo drugie, czyli {second}."  # after a plain "tak"
ANSWER_MISSED = "Przepraszam. Proszę powiedzieć innymi słowami, o co chodzi."  # "nie, to nie to" after an answer
KB_OTHER_WORDS = "Dobrze. Proszę powiedzieć innymi słowami, o co chodzi."  # "nie" to "czy chodzi o…?", "żadne z nich"
YES_NO_AGAIN = "Proszę odpowiedzieć tak albo nie."
DECLINED = "Dobrze. W czym jeszcze mogę pomóc?"

# --- orders -----------------------------------------------------------------------------------------
ASK_ORDER_NUMBER = "Proszę podać numer zamówienia. Jest w e-mailu potwierdzającym zamówienie."
ASK_ORDER_NUMBER_AGAIN = "Nie usłyszałem numeru zamówienia. Proszę podać go cyfra po cyfrze."
ORDER_NOT_FOUND = (
    "Nie znalazłem zamówienia numer {order_id}. Proszę sprawdzić numer i podać go jeszcze raz, cyfra po cyfrze."
)
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

# --- transfers, queue and callback ------------------------------------------------------------------
TRANSFER: Mapping[Reason, str] = {
    "requested_human": "Oczywiście, łączę z konsultantem. Proszę chwilę poczekać.",
    # a clinic's or an office's callers complain too: no shop's "dział reklamacji" in the default
    "complaint": (
        "Rozumiem, to skarga lub reklamacja. Łączę z konsultantem, który się tym zajmie, proszę chwilę poczekać."
    ),
    # 112 first, always: a person cannot come at once (the queue's wait follows this on a chat)
    "urgent": (
        "Rozumiem, to pilna sprawa. Jeśli zagrożone jest życie, zdrowie lub mienie, proszę natychmiast zadzwonić "
        "pod numer alarmowy 112. Łączę z konsultantem poza kolejnością."
    ),
    # no shop's "dział sprzedaży" either: an office's caller negotiates instalments of a tax
    "individual_offer": "Tę sprawę trzeba omówić indywidualnie. Łączę z konsultantem, proszę chwilę poczekać.",
    "not_understood": "Przepraszam, że nie udało mi się pomóc. Łączę z konsultantem, proszę chwilę poczekać.",
}
# an angry caller goes first to a person too (reason urgent), but is no emergency: no 112
ANGRY_TRANSFER = "Bardzo przepraszam za kłopot. Łączę z konsultantem poza kolejnością, proszę chwilę poczekać."
ERROR_TRANSFER = "Przepraszam, wystąpił problem techniczny. Łączę z konsultantem, proszę chwilę poczekać."
HOLD_WAIT = "Proszę chwilę poczekać. Przewidywany czas oczekiwania to około {minutes}."
HOLD_STILL_WAITING = "Dziękujemy za cierpliwość. Konsultant odezwie się najszybciej, jak to możliwe."
CALLBACK_OFFER = (
    "Wszyscy konsultanci są teraz zajęci. Czy konsultant ma oddzwonić na ten numer, gdy tylko się zwolni? "
    "Proszę powiedzieć tak albo nie."
)
CALLBACK_CONFIRMED = "Dobrze, konsultant oddzwoni najszybciej, jak to możliwe. Dziękujemy i do widzenia."
CALLBACK_DECLINED = "Dobrze. Zapraszamy do ponownego kontaktu. Do widzenia."
TRANSFER_FAILED = "Przepraszam, nie udało się połączyć z konsultantem. Proszę zadzwonić ponownie później."

# --- smart speaker callback (telephony/speaker/callback.py) -----------------------------------------
SPEAKER_CALLBACK_OFFER = "Przez głośnik nie mogę połączyć z konsultantem. Czy mam poprosić konsultanta o telefon?"
CALLBACK_ASK_PHONE = "Pod jaki numer oddzwonić?"
CALLBACK_CONFIRM_PHONE = "Czy oddzwonić pod numer {phone}?"
CALLBACK_PHONE_NOT_UNDERSTOOD = "Nie zrozumiałem numeru. Proszę podać dziewięć cyfr numeru telefonu."
CALLBACK_BOOKED = "Dobrze. Konsultant oddzwoni pod numer {phone}. W czym jeszcze mogę pomóc?"
CALLBACK_GIVE_UP = "Niestety nie udało mi się zapisać numeru. Proszę spróbować później albo zadzwonić na infolinię."

SPEAKER_NO_CALLBACK = (
    "Przez głośnik nie mogę połączyć z konsultantem ani zamówić telefonu od konsultanta. "
    "Proszę zadzwonić na infolinię{number}."
)  # number: " pod numer 221 112 233" or "" (the speaker has no callback book: no Redis)

# --- live chat with an agent (telephony/chat/handoff.py) --------------------------------------------
CHAT_QUEUED = "Konsultant odpowie w tym oknie czatu."
# A chat message that could not be handled (the state store is down): the 503's "reply", for the widget
STORE_DOWN_REPLY = "Przepraszamy, mamy chwilowy problem techniczny. Proszę wysłać wiadomość ponownie za chwilę."
# A chat message refused by a rate limit (429): the "reply", for the widget (Retry-After says when)
RATE_LIMITED_REPLY = (
    "Przepraszamy, otrzymujemy teraz bardzo dużo wiadomości. Proszę wysłać wiadomość ponownie za chwilę."
)
# A transfer the engine decided on a channel with no hand-off of its own (a device, a text integration).
HANDOFF_NOT_HERE = (
    "Stąd nie mogę połączyć z konsultantem. Proszę zadzwonić na infolinię albo napisać na czacie na naszej stronie."
)
# Said first when an emergency (urgent) cannot be handed to a person at once (no agent, no hand-off here).
EMERGENCY_ADVICE = (
    "Jeśli zagrożone jest życie, zdrowie lub mienie, proszę natychmiast zadzwonić pod numer alarmowy 112."
)
CHAT_UNAVAILABLE_CLOSED = (
    "Konsultanci czatu są teraz poza godzinami pracy. Proszę napisać ponownie w godzinach pracy "
    "albo zadzwonić na infolinię."
)
CHAT_UNAVAILABLE_BUSY = (
    "Teraz żaden konsultant nie obsługuje czatu. Proszę spróbować za chwilę albo zadzwonić na infolinię."
)
CHAT_AGENT_JOINED = "Rozmowę przejmuje konsultant: {name}."  # no past tense: "dołączył" is wrong for Anna
CHAT_ENDED_BY_AGENT = "Konsultant zakończył rozmowę. Dziękujemy za kontakt!"
CHAT_ENDED_BY_CUSTOMER = "Rozmowa z konsultantem została zakończona."
# A chat continued with a session id the store no longer knows (Redis came back empty, or it expired): said
# instead of answering the message as the first of a new conversation (telephony/chat/resume.py).
CHAT_THREAD_LOST = "Przepraszam, straciłem wątek naszej rozmowy. Proszę powtórzyć pytanie."
# The same on the phone (telephony/call/resume.py) and a smart speaker (telephony/speaker/conversation.py,
# device_turn.py): the caller's
# words needed what Redis lost mid-conversation ("a ile to kosztuje?", "tak", an order number asked for): the
# whole question again, a caller cannot scroll back.
CALL_THREAD_LOST = "Przepraszam, straciłem wątek naszej rozmowy. Proszę powiedzieć całe pytanie jeszcze raz."
# ... and the client says it was in a hand-off to an agent: the chat goes back to the agents' queue.
CHAT_HANDOFF_LOST = "Przepraszam, z powodu problemu technicznego połączenie z konsultantem zostało przerwane."
# ... told on the customer's live stream when the hand-off vanishes from under it (their next message,
# sent with ``handoff_id``, puts the chat back in the queue).
CHAT_HANDOFF_LOST_WRITE = (
    "Przepraszam, z powodu problemu technicznego połączenie z konsultantem zostało przerwane. "
    "Proszę napisać wiadomość, a ponownie połączę z konsultantem."
)

# --- Home Assistant / Wyoming (telephony/speaker/handler.py) ----------------------------------------
HANDLE_TOO_LONG = "To pytanie jest za długie. Proszę zapytać krócej."
HANDLE_FAILED = "Przepraszam, mam chwilowy problem. Proszę spróbować za chwilę."

# --- Twilio webhook fallbacks (telephony/twilio/routes.py) ------------------------------------------
FALLBACK_APOLOGY = "Przepraszamy, mamy chwilowy problem techniczny. Łączymy z konsultantem."
UNAVAILABLE_APOLOGY = "Przepraszamy, mamy chwilowy problem techniczny. Prosimy zadzwonić ponownie później."
# A caller on hold whom the gateway cannot move (Twilio REST down): the star key takes them out by themselves.
HOLD_PRESS_STAR = (
    "Przepraszamy, mamy problem techniczny z przełączeniem. Aby nie czekać dłużej, proszę nacisnąć gwiazdkę."
)

_MONTHS = (
    "stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca",
    "lipca", "sierpnia", "września", "października", "listopada", "grudnia",
)  # fmt: skip


def clarify(misses: int, examples: list[str]) -> str:
    """The re-prompt after the ``misses``-th turn in a row not understood (1 = the first), suggesting
    ``examples``: questions this hotline answers, not a shop's when the KB is an office's."""
    text = CLARIFY[min(max(misses, 1), len(CLARIFY)) - 1]
    if "{examples}" in text and not examples:
        return CLARIFY_NO_EXAMPLES
    return text.format(examples=f" {EXAMPLES_OR} ".join(examples))


def spoken_date(day: date, today: date | None = None) -> str:
    """'25 listopada' (the year only when it is not this year): how a person says a delivery date."""
    text = f"{day.day} {_MONTHS[day.month - 1]}"
    return text if today is not None and today.year == day.year else f"{text} {day.year}"


def minutes_phrase(n: int) -> str:
    """'1 minuta', '3 minuty', '5 minut', '22 minuty': Polish plural agreement for the wait estimate."""
    n = max(1, n)
    if n == 1:
        return "1 minuta"
    if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        return f"{n} minuty"
    return f"{n} minut"


def shop_phrase(brand: str | None) -> str:
    """The operator as the greeting names it ("Sklep Demo"); "" without a brand (``greeting`` then
    says GREETING_NO_BRAND rather than a made-up or demo name)."""
    return SHOP_NAME_PHRASE.format(brand=brand) if brand else ""


def greeting(shop: str, phone: bool = False) -> str:
    """Opening line (automated-assistant and RODO notice); on the phone also how to reach a human.
    ``shop``: the shop phrase (``shop_phrase(brand)``); empty = no brand configured."""
    opening = GREETING.format(shop=shop) if shop else GREETING_NO_BRAND
    parts = [opening, RODO_NOTICE, DTMF_HINT if phone else "", HOW_CAN_I_HELP]
    return " ".join(p for p in parts if p)


def hold_wait(minutes: int) -> str:
    return HOLD_WAIT.format(minutes=minutes_phrase(minutes))


# --- warm transfer on Twilio (telephony/transfer/warm*.py; callback offer, voicemail, agent briefing) ------
# (the hold announcement is built from the wait-estimate sentences below, by telephony/agents/waits.py)
TRANSFER_CALLBACK_OFFER_BUSY = (
    "Wszyscy konsultanci są teraz zajęci. Czy konsultant ma oddzwonić na ten numer? "
    "Proszę nacisnąć jeden albo powiedzieć tak."
)
TRANSFER_CALLBACK_OFFER_CLOSED = (
    "Konsultanci są teraz niedostępni. Czy konsultant ma oddzwonić na ten numer? "
    "Proszę nacisnąć jeden albo powiedzieć tak."
)
TRANSFER_CALLBACK_BOOKED = "Dobrze, prośba o kontakt jest zapisana. {promise} Dziękujemy i do widzenia."
TRANSFER_VOICEMAIL_INVITE = (
    "Można zostawić wiadomość po sygnale. Konsultant ją odsłucha. Aby zakończyć, wystarczy się rozłączyć."
)
TRANSFER_VOICEMAIL_SAVED = "Dziękujemy, wiadomość została zapisana. Do widzenia."
# Spoken to the agent (their phone leg), not to the caller:
AGENT_BRIEFING = (
    "Połączenie z infolinii, kolejka {queue}. {summary} Naciśnij jeden, aby odebrać, albo dwa, aby odrzucić."
)
AGENT_CALLER_GONE = "Klient już się rozłączył. Dziękujemy."
AGENT_DECLINED = "Połączenie odrzucone. Dziękujemy."
AGENT_NO_CHOICE = "Nie wybrano ani jedynki, ani dwójki. Klienta połączymy z innym konsultantem. Dziękujemy."
AGENT_TECHNICAL_PROBLEM = "Przepraszamy, problem techniczny: tego połączenia nie da się teraz zestawić."


# --- warm transfer: wait estimate, queue position, callback time (telephony/agents/waits.py, business_hours.py) ---
HOLD_CONNECTING = "Łączymy z konsultantem."
QUEUE_POSITION = "Jest Pan lub Pani na {ordinal} miejscu w kolejce."  # ordinal in the locative: "trzecim"
WAIT_ESTIMATE = "Szacowany czas oczekiwania: {wait}."
WAIT_ABOUT_ONE_MINUTE = "około minuty"
WAIT_ABOUT_MINUTES = "około {n} minut"  # n: numeral in the genitive: "dwóch", "pięciu", "dwudziestu pięciu"
WAIT_OVER_AN_HOUR = "ponad godzinę"
WAIT_FEW_MINUTES = "kilka minut"  # no handling-time history yet: no number rather than a wrong one
CALLBACK_PROMISE = "Konsultant oddzwoni {when}."
CALLBACK_WHEN_OPEN = "w ciągu dwóch godzin roboczych"
CALLBACK_WHEN_LATER = "{day} od {hour}"  # "jutro od ósmej", "w poniedziałek od dziewiątej trzydzieści"
CALLBACK_TODAY = "dzisiaj"
CALLBACK_TOMORROW = "jutro"
WEEKDAYS_ON = ("w poniedziałek", "we wtorek", "w środę", "w czwartek", "w piątek", "w sobotę", "w niedzielę")


# --- admission control (telephony/call/admission.py): more calls than this worker can answer well ---------
LINES_BUSY_TRANSFER = "Wszystkie linie są teraz zajęte. Łączymy z konsultantem, prosimy chwilę poczekać."
LINES_BUSY_CALL_BACK = "Wszystkie linie są teraz zajęte. Prosimy zadzwonić ponownie za kilka minut."

# --- satisfaction survey after the matter was solved (telephony/insights/survey.py) --------------------
CSAT_QUESTION = (
    "Jak oceniasz rozmowę w skali od 1 do 5? Proszę nacisnąć cyfrę albo powiedzieć ocenę. "
    "Można też po prostu się rozłączyć."
)
CSAT_THANKS = "Dziękujemy za ocenę. Do usłyszenia!"
CSAT_NO_ANSWER = "Dziękujemy za rozmowę. Do usłyszenia!"


def fixed_sentences() -> list[str]:
    """Every complete caller-facing text above that has no placeholder, in file order.

    Why: these are said verbatim, so a channel may render them ahead of time (the phone gateway keeps
    their audio ready, dialog never needs to know). Fragments ("około minuty") and templates are left out.
    """
    return list(dict.fromkeys(t for t in _texts() if "{" not in t and t.rstrip().endswith((".", "?", "!"))))


def template_openings(min_words: int = 2) -> list[str]:
    """The fixed words a template's first sentence starts with, before its first placeholder, in file
    order: "Zamówienie numer" of "Zamówienie numer {order_id} zostało wysłane.".

    Why: a reply built from a template cannot be rendered ahead, but its opening can; a channel plays
    the opening at once and renders the rest meanwhile. Openings shorter than ``min_words`` words (too
    short to hide a rendering) or holding a sentence end (the template's first sentence is fixed text,
    pre-rendered as such) are left out.
    """
    openings = (t[: t.index("{")].strip() for t in _texts() if "{" in t)
    return list(dict.fromkeys(o for o in openings if len(o.split()) >= min_words and not any(m in o for m in ".?!")))


def _texts() -> Iterator[str]:
    """Every caller-facing text above as configured now, in file order (groups and lists unpacked)."""
    for name, value in list(globals().items()):
        if name.startswith("_") or not name.isupper():
            continue
        items = value.values() if isinstance(value, Mapping) else value if isinstance(value, tuple) else (value,)
        yield from (text for text in items if isinstance(text, str))


# --- operator overrides (dialog/prompts.py validates them; the composition root applies them) ------------
Text = str | tuple[str, ...] | Mapping[str, str]


def _is_text(value: object) -> bool:
    if isinstance(value, str):
        return True
    if isinstance(value, tuple):
        return all(isinstance(v, str) for v in value)
    return isinstance(value, Mapping) and all(isinstance(v, str) for v in value.values())


_DEFAULTS: dict[str, Text] = {
    name: value for name, value in globals().items() if name.isupper() and not name.startswith("_") and _is_text(value)
}


def defaults() -> Mapping[str, Text]:
    """Every overridable text by its constant name, as shipped (what a prompts file may replace)."""
    return MappingProxyType(_DEFAULTS)


def configure(overrides: Mapping[str, Text]) -> None:
    """Set the texts of this process: the defaults, with ``overrides`` (validated by ``dialog.prompts``)
    on top; a mapping override replaces only the keys it gives. ``configure({})`` restores the defaults.

    Why process-wide: one process serves one shop, and every channel (webhook fallbacks from the first
    second, the engine, transfers, speakers) must say the same overridden sentence; called once at start-up.
    """
    unknown = sorted(set(overrides) - set(_DEFAULTS))
    if unknown:
        raise KeyError(f"not catalogue texts: {', '.join(unknown)}")
    module = globals()
    for name, default in _DEFAULTS.items():
        value = overrides.get(name, default)
        if isinstance(default, Mapping) and isinstance(value, Mapping):
            value = {**default, **value}
        module[name] = value
