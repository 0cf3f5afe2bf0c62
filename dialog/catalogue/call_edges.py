"""Before and after the conversation: admission control (more calls than a worker answers well) and the
satisfaction survey after the bot solved the matter.

Defaults only: code reads them as ``catalogue.NAME`` (``dialog/catalogue/__init__.py``), where the
operator's prompts file may have replaced them.
"""

from __future__ import annotations

# --- admission control (telephony/call/admission.py): more calls than this worker can answer well ---------
LINES_BUSY_TRANSFER = "Wszystkie linie są teraz zajęte. Łączymy z konsultantem, prosimy chwilę poczekać."
LINES_BUSY_CALL_BACK = "Wszystkie linie są teraz zajęte. Prosimy zadzwonić ponownie za kilka minut."

# --- the playground (telephony/playground/routes.py): what its page shows when a talk cannot start or go on ----
# every line is taken (INFOLINIA_MAX_CONCURRENT_CALLS), or the worker drains: no talk starts
PLAYGROUND_BUSY = "Wszystkie linie są zajęte. Spróbuj ponownie za chwilę."
# speech is off (INFOLINIA_SPEECH=false) or the gateway has not finished starting
PLAYGROUND_UNAVAILABLE = "Mowa jest wyłączona lub bramka nie jest gotowa."
# its worker stops (a deploy) while a talk is open
PLAYGROUND_DRAINING = (
    "Bramka jest właśnie uruchamiana ponownie, więc ta rozmowa się kończy. Prosimy odświeżyć stronę za chwilę."
)

# --- satisfaction survey after the matter was solved (telephony/insights/survey.py) --------------------
CSAT_QUESTION = (
    "Jak oceniasz rozmowę w skali od 1 do 5? Proszę nacisnąć cyfrę albo powiedzieć ocenę. "
    "Można też po prostu się rozłączyć."
)
CSAT_THANKS = "Dziękujemy za ocenę. Do usłyszenia!"
CSAT_NO_ANSWER = "Dziękujemy za rozmowę. Do usłyszenia!"
