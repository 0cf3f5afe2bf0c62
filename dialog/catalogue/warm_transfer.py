"""The warm transfer on Twilio: the callback offer, voicemail, the agent's briefing, the wait estimate, the
queue position and when a callback comes.

Defaults only: code reads them as ``catalogue.NAME`` (``dialog/catalogue/__init__.py``), where the
operator's prompts file may have replaced them.
"""

from __future__ import annotations

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
# No number to call back (a withheld one, From "anonymous" and the like, or none, or a SIP address): said instead
# of the offer, then the beep. Why not "your number is withheld": it is not true for every such caller.
TRANSFER_WITHHELD_VOICEMAIL = (
    "Nie możemy teraz połączyć z konsultantem, a nie widzimy numeru, pod który moglibyśmy oddzwonić. "
    "Proszę zostawić po sygnale wiadomość z numerem telefonu do kontaktu."
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
# An agent took the call but the connection never came (telephony/transfer/escape.py): the caller is back at the
# head of the queue, another agent is free; said before the usual position and wait.
HOLD_BACK_IN_QUEUE = "Przepraszamy, nie udało się połączyć z konsultantem. Łączymy z kolejnym konsultantem."
QUEUE_POSITION = "Jest Pan lub Pani na {ordinal} miejscu w kolejce."  # ordinal in the locative: "trzecim"
WAIT_ESTIMATE = "Szacowany czas oczekiwania: {wait}."
WAIT_ABOUT_ONE_MINUTE = "około minuty"
WAIT_ABOUT_MINUTES = "około {n} minut"  # n: numeral in the genitive: "dwóch", "pięciu", "dwudziestu pięciu"
WAIT_OVER_AN_HOUR = "ponad godzinę"
WAIT_FEW_MINUTES = "kilka minut"  # no handling-time history yet: no number rather than a wrong one
CALLBACK_PROMISE = "Konsultant oddzwoni {when}."
CALLBACK_WHEN_OPEN = "w ciągu dwóch godzin roboczych"
# closed, with no opening in the next two weeks (hours that never open): no working hours to count, so no
# "dwóch godzin roboczych"; the words the chat gives the same case (CHAT_OPENS_UNKNOWN)
CALLBACK_WHEN_UNKNOWN = "w najbliższych godzinach pracy"
CALLBACK_WHEN_LATER = "{day} od {hour}"  # "jutro od ósmej", "w poniedziałek od dziewiątej trzydzieści"
CALLBACK_TODAY = "dzisiaj"
CALLBACK_TOMORROW = "jutro"
# more than a week away the weekday alone reads as the coming one (a holiday between): "w poniedziałek 5 kwietnia"
WEEKDAY_ON_DATE = "{weekday} {date}"
WEEKDAYS_ON = ("w poniedziałek", "we wtorek", "w środę", "w czwartek", "w piątek", "w sobotę", "w niedzielę")
