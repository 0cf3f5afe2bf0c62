"""Opening and closing a conversation, and what is said when the caller is not understood.

Defaults only: code reads them as ``catalogue.NAME`` (``dialog/catalogue/__init__.py``), where the
operator's prompts file may have replaced them.

A text ending in ``_WRITTEN`` is the written variant of the text without that suffix: what the text chat says
instead ("Proszę napisać…" where the phone says "Proszę powiedzieć…"), chosen by ``catalogue.worded``.
"""

from __future__ import annotations

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
# The chat's notice (GET /v1/chat/greeting): as shipped the same words, nothing in them is the phone's. Not
# overridden itself, it reads as the operator's rodo_notice (legal reviews one text, ``follows_spoken``); a phone
# notice that says "rozmowa jest nagrywana" gives the chat its own here.
RODO_NOTICE_WRITTEN = RODO_NOTICE
# The text chat's opening (GET /v1/chat/greeting, a chat's first "dzień dobry"): written for reading, and with
# the brand as written ({brand}, not shop_name_phrase, which is tuned to the phone greeting's grammar). An
# override may leave {brand} out and name the office itself ("Witamy w Urzędzie Gminy Kórnik.").
GREETING_WRITTEN = "Dzień dobry, tu {brand}. Na czacie odpowiada automatyczny asystent."
GREETING_NO_BRAND_WRITTEN = "Dzień dobry, na czacie odpowiada automatyczny asystent obsługi klienta."
DTMF_HINT = "W każdej chwili można nacisnąć zero, aby połączyć się z konsultantem."
HOW_CAN_I_HELP = "W czym mogę pomóc?"
HELLO_AGAIN = "Dzień dobry. W czym mogę pomóc?"
INVITE_QUESTION = "Słucham, w czym mogę pomóc?"  # "mam pytanie", "chciałbym o coś zapytać": no question yet
INVITE_QUESTION_WRITTEN = "Proszę śmiało pytać. W czym mogę pomóc?"
# "halo, słychać mnie?": the caller checks the line; LINE_CHECK_HEARD before the question still pending
LINE_CHECK = "Tak, słyszę. W czym mogę pomóc?"
LINE_CHECK_WRITTEN = "Tak, jestem tutaj. W czym mogę pomóc?"
LINE_CHECK_HEARD = "Tak, słyszę."
LINE_CHECK_HEARD_WRITTEN = "Tak, jestem tutaj."
ANYTHING_ELSE = "Czy mogę pomóc w czymś jeszcze?"
THANKS_REPLY = "Proszę bardzo. Czy mogę pomóc w czymś jeszcze?"
GOODBYE = "Dziękuję za rozmowę. Do widzenia!"
STILL_THERE = "Halo, czy nadal mnie słychać?"
SILENCE_GOODBYE = "Nie słyszę odpowiedzi, więc kończę połączenie. Zapraszamy ponownie. Do widzenia."
# Sound with no pause for two turns' maximum (a radio behind the caller, a noisy line; telephony/call/unbroken.py):
# said before the hand-over the dialog then announces ("Przepraszam, że nie udało mi się pomóc. Łączę...").
UNBROKEN_SOUND = "Na linii cały czas słychać dźwięk i nie mogę rozróżnić słów."

# --- understanding ----------------------------------------------------------------------------------
REPEAT_PREFIX = "Powtarzam: "
NOTHING_TO_REPEAT = "Jeszcze niczego nie mówiłem. W czym mogę pomóc?"
NOTHING_TO_REPEAT_WRITTEN = "Jeszcze niczego nie napisałem. W czym mogę pomóc?"
NOT_HEARD = "Przepraszam, nic nie usłyszałem. Proszę powtórzyć."
CLARIFY = (
    "Przepraszam, nie zrozumiałem. Proszę powiedzieć to innymi słowami, na przykład: {examples}.",
    "Nadal nie jestem pewien, o co chodzi. Proszę opisać sprawę jednym krótkim zdaniem.",
)  # examples: two questions the KB answers (engine_kb.KBStep.examples); optional in an override
CLARIFY_WRITTEN = (
    "Przepraszam, nie zrozumiałem. Proszę napisać to innymi słowami, na przykład: {examples}.",
    "Nadal nie jestem pewien, o co chodzi. Proszę opisać sprawę jednym krótkim zdaniem.",
)
CLARIFY_NO_EXAMPLES = "Przepraszam, nie zrozumiałem. Proszę powiedzieć to innymi słowami."  # a KB with no entries
CLARIFY_NO_EXAMPLES_WRITTEN = "Przepraszam, nie zrozumiałem. Proszę napisać to innymi słowami."
ORDER_QUESTION_EXAMPLE = "gdzie jest moja paczka"  # the first example of CLARIFY when orders can be looked up
EXAMPLES_OR = "albo"  # between the examples: "ile trwa dostawa albo jak złożyć reklamację"
KB_CONFIRM = "Czy chodzi o to: {question}"
# After a first miss, the KB's two nearest entries instead of fixed examples (engine_kb_choice.KBChoice.suggest).
KB_SUGGEST = (
    "Przepraszam, nie jestem pewien. Czy chodzi o to: {first}, czy o to: {second}? "
    "Jeśli o coś innego, proszę powiedzieć to innymi słowami."
)
KB_SUGGEST_WRITTEN = (
    "Przepraszam, nie jestem pewien. Czy chodzi o to: {first}, czy o to: {second}? "
    "Jeśli o coś innego, proszę napisać to innymi słowami."
)
KB_SUGGEST_WHICH = "Proszę powiedzieć: pierwsze, czyli {first}, albo drugie, czyli {second}."  # after a plain "tak"
KB_SUGGEST_WHICH_WRITTEN = "Proszę napisać: pierwsze, czyli {first}, albo drugie, czyli {second}."
ANSWER_MISSED = "Przepraszam. Proszę powiedzieć innymi słowami, o co chodzi."  # "nie, to nie to" after an answer
ANSWER_MISSED_WRITTEN = "Przepraszam. Proszę napisać innymi słowami, o co chodzi."
KB_OTHER_WORDS = "Dobrze. Proszę powiedzieć innymi słowami, o co chodzi."  # "nie" to "czy chodzi o…?", "żadne z nich"
KB_OTHER_WORDS_WRITTEN = "Dobrze. Proszę napisać innymi słowami, o co chodzi."
YES_NO_AGAIN = "Proszę odpowiedzieć tak albo nie."
DECLINED = "Dobrze. W czym jeszcze mogę pomóc?"
