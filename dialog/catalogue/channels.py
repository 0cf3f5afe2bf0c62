"""What each channel says on its own: the smart speaker's callback, the live chat with an agent, Home
Assistant (Wyoming), and the Twilio webhook fallbacks.

Defaults only: code reads them as ``catalogue.NAME`` (``dialog/catalogue/__init__.py``), where the
operator's prompts file may have replaced them.
"""

from __future__ import annotations

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
# A customer's message to a live-chat hand-off past its rate (INFOLINIA_RATE_LIMIT_HANDOFF): the 429's "reply".
# The message did not reach the agent; the earlier ones did (a flood made the agent's console unusable).
CHAT_WAIT_FOR_AGENT = (
    "Konsultant ma już wcześniejsze wiadomości i odpowie w tym oknie czatu. Tej wiadomości nie przekazano: "
    "proszę zaczekać na odpowiedź konsultanta albo wysłać ją ponownie za chwilę."
)
# A chat message that arrived while another message of the same conversation was still being answered (on
# another worker) for longer than the wait: the 503's "reply", for the widget; this message was not taken
SESSION_BUSY_REPLY = (
    "Jeszcze odpowiadam na poprzednią wiadomość w tej rozmowie. Proszę wysłać tę wiadomość ponownie za chwilę."
)
# The same on a speaker or a voice device, said instead of an answer: the user asks again
SESSION_BUSY_SPOKEN = "Przepraszam, jeszcze odpowiadam na poprzednie pytanie. Proszę powtórzyć za chwilę."
# A transfer the engine decided on a channel with no hand-off of its own (a device, a text integration).
HANDOFF_NOT_HERE = (
    "Stąd nie mogę połączyć z konsultantem. Proszę zadzwonić na infolinię albo napisać na czacie na naszej stronie."
)
# Said first when an emergency (urgent) cannot be handed to a person at once (no agent, no hand-off here).
EMERGENCY_ADVICE = (
    "Jeśli zagrożone jest życie, zdrowie lub mienie, proszę natychmiast zadzwonić pod numer alarmowy 112."
)
# when: the queue's next opening as the phone's callback offer names it, the hour in digits ("jutro od 8:00",
# "w poniedziałek od 7:30"; ``BusinessHours.opens_when``), else CHAT_OPENS_UNKNOWN. An override may leave it out.
CHAT_UNAVAILABLE_CLOSED = (
    "Konsultanci czatu są teraz poza godzinami pracy i wrócą {when}. Proszę napisać ponownie w godzinach pracy "
    "albo zadzwonić na infolinię."
)
CHAT_OPENS_UNKNOWN = "w najbliższych godzinach pracy"  # no opening in the next two weeks (no hours configured)
CHAT_UNAVAILABLE_BUSY = (
    "Teraz żaden konsultant nie obsługuje czatu. Proszę spróbować za chwilę albo zadzwonić na infolinię."
)
CHAT_AGENT_JOINED = "Rozmowę przejmuje konsultant: {name}."  # no past tense: "dołączył" is wrong for Anna
CHAT_ENDED_BY_AGENT = "Konsultant zakończył rozmowę. Dziękujemy za kontakt!"
CHAT_ENDED_BY_CUSTOMER = "Rozmowa z konsultantem została zakończona."
# A customer not seen for INFOLINIA_CHAT_GONE_AFTER_S while waiting (no event stream, no poll, no message: a
# closed tab, but also a phone that put the browser in the background): the wait ends as abandoned
# (telephony/chat/presence.py). Neither line claims the window was closed. The chat's line (agent, history) ...
CHAT_CUSTOMER_GONE = "Klient opuścił czat przed połączeniem z konsultantem (okno zamknięte albo brak połączenia)."
# ... and what the customer reads when they come back (their stream, their poll): how to ask for a person again.
CHAT_CUSTOMER_GONE_WRITE = (
    "Oczekiwanie na konsultanta zostało przerwane, bo czat przez dłuższą chwilę nie miał połączenia. "
    "Aby ponownie połączyć się z konsultantem, proszę napisać „konsultant”."
)
# A customer not seen for INFOLINIA_CHAT_GONE_AFTER_S while connected to an agent: the chat is not ended (the
# agent ends it, as before), the agent's chat gets this line once (telephony/chat/presence.py, ``is_away``) ...
CHAT_CUSTOMER_AWAY = "Klient nie jest już połączony z czatem."
# ... and this one when the customer is seen again (their stream, poll or message).
CHAT_CUSTOMER_BACK = "Klient wrócił do czatu."
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
