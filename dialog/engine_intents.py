"""Small conversational intents the engine handles itself, before asking the knowledge base.

Pure functions over the caller's text. They use the same stem/lemma cue matching as escalation (so
"zamówieniu", "zamowienie" and "zamówienia" all count) and are deliberately conservative: a sentence
that carries more than a courtesy ("dziękuję, a ile kosztuje dostawa?") is *not* a thanks.
"""

from __future__ import annotations

from dialog.engine_cues import term, term_positions, tokens
from dialog.numbers import is_number_word

_GREETING_WORDS = {"dzien", "dobry", "halo", "czesc", "witam", "hej", "wieczor", "siema", "witajcie"}
_FILLER_WORDS = {
    "no", "to", "a", "i", "yyy", "eee", "mhm", "aha", "prosze", "bardzo", "serdecznie", "pieknie", "ok",
    "okej", "pan", "pani", "panu", "juz", "wiec", "super", "dobrze", "swietnie", "wielkie",
}  # fmt: skip
_THANKS = term("dziek|=dzieki|dziekuj|=dziekowac")
_GOODBYE = term(
    "=do =widzenia|=do =uslyszenia|=do =zobaczenia|=zegnam|=to =wszystko|=nic =wiecej|=na =tym =koniec"
    "|=koniec =rozmowy|=to =by =bylo =na =tyle|=to =by =bylo =wszystko|=dobranoc|=milego =dnia|=pa|=papa|=nara"
)
# the words of the goodbyes above: what else a turn holds decides whether it is one
_GOODBYE_WORDS = {
    "do", "widzenia", "uslyszenia", "zobaczenia", "zegnam", "to", "wszystko", "nic", "wiecej", "na", "tym",
    "koniec", "rozmowy", "by", "bylo", "tyle", "dobranoc", "milego", "dnia", "pa", "papa", "nara",
}  # fmt: skip
_NO_QUESTIONS = term("=nie =mam =pytan|=nie =mam =wiecej =pytan|=nie =mam =zadnych =pytan")
_REPEAT = term(
    "powtorz|powtorzy|=nie =uslyszal|=nie =uslyszalem|=nie =uslyszalam|=nie =doslyszal|nie doslysz"
    "|=nie =zrozumialem|=nie =zrozumialam|=jeszcze =raz|=slucham|=co =pan =mowi|=co =pani =mowi|=nie =slysz"
)
_REPEAT_ALONE = {"co", "slucham", "prosze", "ze", "jak"}
_FIRST = {"pierwszy", "jeden", "jedynka", "1"}  # lemmas (folded) of a pick of the first of two topics
_SECOND = {"drugi", "druga", "dwa", "dwojka", "2", "ostatni"}  # "drugą" lemmatises to "druga"; of two, the last
_NONE = {"zaden", "zadne", "zadna", "ani", "nic"}  # "żadne z nich", "ani to, ani to", "nic z tego"
# Words around a pick that carry no topic: "chodzi mi o to drugie", "poproszę to pierwsze pytanie".
_PICK_WORDS = {
    "chodzic", "chodzilo", "ja", "o", "to", "ten", "ta", "tamten", "tamto", "pytanie", "temat", "opcja", "numer",
    "poprosic", "prosic", "prosze", "poprosze", "wybierac", "wybrac", "raczej", "jednak", "chyba", "no", "a", "ze",
    "tak", "z", "on", "oni", "ono", "tego", "tych", "nich", "mnie", "mi",
}  # fmt: skip
# Lemmas that say nothing about a topic: "mam pytanie", "chciałbym zapytać", "tak jak mówiłem".
_META = {
    "miec", "pytanie", "pytac", "zapytac", "chciec", "mowic", "powiedziec", "chodzic", "sprawa", "informacja",
    "pomoc", "dzien", "dobry", "prosic", "poprosic", "wiedziec", "jeszcze", "inny", "byc", "moj", "taki", "jaki",
    "ktory", "tylko", "bardzo", "dobrze", "wlasnie", "teraz", "juz", "jakis", "cos", "ktos", "zrozumiec", "sluchac",
}  # fmt: skip
_NOT_THAT = term(
    "=nie =o =to|=nie =to =pytalem|=nie =to =pytalam|=nie =o =to =pytalem|=nie =o =to =chodzi|=to =nie =to"
    "|=o =cos =innego|=nie =na =temat|=zla =odpowiedz|=nie =ta =odpowiedz|=nie =tego =szukam"
)
_COURTESY = {
    "dziekuje", "dziekujemy", "dzieki", "dziekowac", "do", "widzenia", "uslyszenia", "zobaczenia", "zegnam",
    "pa", "papa", "nara", "milego", "dnia", "dobranoc", "czesc", "serdeczne", "serdecznie",
}  # fmt: skip

_CORRECTION = term("chodzi|chodzilo|=tylko|pomylil|pomylk|=nie =ten|=raczej")
_QUANTITY = term("=zl|zlot|=pln|=euro|sztuk|=dni|=dzien|godzin|minut|procent|=lat|=rok|roku|=cm|=kg|cali|=raty|=rat")


def _content(text: str, extra: set[str]) -> list[str]:
    return [t.form for t in tokens(text) if t.form not in _FILLER_WORDS | extra]


def is_greeting_only(text: str) -> bool:
    """'Dzień dobry', 'halo', 'cześć' and nothing else."""
    toks = [t.form for t in tokens(text)]
    return bool(toks) and all(t in _GREETING_WORDS | _FILLER_WORDS for t in toks)


_ASKING = frozenset({"pytanie", "pytac", "zapytac", "spytac", "sprawa", "dowiedziec"})
# a sentence that ends in one of these was broken off ("chciałbym zapytać o", "mam pytanie, bo...")
_PREPOSITIONS = {"o", "w", "na", "do", "z", "od", "za", "po", "odnosnie"}
_DANGLING = frozenset(_PREPOSITIONS | {"czy", "jak", "ile", "gdzie", "kiedy", "bo", "i", "a", "ze"})
# the small words an announcement is made of; any other word, however short ("VAT", "PIT", "5G", "psa"), may
# name the topic ("mam pytanie o PIT") and goes to the KB
_ANNOUNCING = frozenset({"o", "do", "was", "wy", "mi", "ja", "sie", "i", "a", "no", "bo", "mam", "pan", "pani"})


_HEARING = term("slycha|slysz")  # "słychać mnie?", "czy pani mnie słyszy", "słyszycie mnie?"
_LINE_CHECK_WORDS = {"czy", "mnie", "teraz", "tam", "tu", "tutaj", "jestem", "wszystko", "mozna", "juz"}


def is_line_check(text: str) -> bool:
    """'Halo, słychać mnie?', 'czy pani mnie słyszy' and nothing else: the caller checks the line (a bad one,
    a pause), no matter to judge. Why: by meaning "słychać" sat near a cry for help, and a telecom
    walkthrough's "halo, słychać mnie?" went to the emergency queue with the 112 advice. "Nic nie słychać w
    słuchawce" names a fault and is no line check."""
    toks = tokens(text)
    hearing = set(term_positions(_HEARING, toks))
    usual = _GREETING_WORDS | _FILLER_WORDS | _LINE_CHECK_WORDS
    return bool(hearing) and all(i in hearing or t.form in usual for i, t in enumerate(toks))


def only_wants_to_ask(text: str) -> bool:
    """'Mam pytanie', 'mam pytanie do was', 'dzień dobry, chciałbym o coś zapytać', 'mam sprawę': the caller
    announces a question and has not asked it yet; an invitation to ask, not a turn the KB failed. A word
    that may name the topic ("mam pytanie o dostawę", "o VAT"), a "nie" ("nie mam pytań": a closing), a "tak"
    (a confirmation: "tak, o to pytam") or a sentence broken off ("chciałbym zapytać o": the caller is still
    speaking, the phone takes the half back) is no such turn."""
    toks = tokens(text)
    known = _META | _ASKING | _GREETING_WORDS | _FILLER_WORDS | _ANNOUNCING | {"jeden", "moc"}
    if not toks or toks[-1].form in _DANGLING or any(t.form in ("nie", "tak") for t in toks):
        return False  # "tak, o to pytam": a confirmation, not an announcement
    if not any(t.lemma in _ASKING for t in toks):
        return False
    return all(t.lemma in known or t.form in known for t in toks)


def is_thanks(text: str) -> bool:
    """Only thanks ('dziękuję bardzo', 'dzięki'), no further request."""
    toks = tokens(text)
    hits = set(term_positions(_THANKS, toks))
    return bool(hits) and all(i in hits or t.form in _FILLER_WORDS for i, t in enumerate(toks))


def is_polite_no(text: str) -> bool:
    """'Nie, dziękuję', 'nie dzięki': a no with thanks and nothing else, the caller's way of closing even when
    nothing was asked (a fresh conversation, a session the store lost)."""
    toks = tokens(text)
    return len(toks) >= 2 and toks[0].form == "nie" and is_thanks(" ".join(t.form for t in toks[1:]))


def no_more_questions(text: str) -> bool:
    """'Nie mam pytań', 'dziękuję, nie mam już więcej pytań': a closing in a short turn, also with nothing
    asked (it was a miss toward a transfer). Not in a longer one ("nie mam pytań do faktury, tylko do dostawy")."""
    toks = tokens(text)
    return len(toks) <= 7 and bool(term_positions(_NO_QUESTIONS, toks))


def is_goodbye(text: str) -> bool:
    """'Do widzenia', 'to wszystko', 'dziękuję, to wszystko', 'nic więcej': a turn that is a goodbye, with at
    most two words besides it and thanks ("ok, to wszystko na dziś"). Why not any turn holding one: "czy to
    wszystko kosztuje więcej przy dostawie do domu" is a question, and it was answered with a goodbye."""
    toks = tokens(text)
    if not term_positions(_GOODBYE, toks):
        return False
    thanks = set(term_positions(_THANKS, toks))
    usual = _GOODBYE_WORDS | _FILLER_WORDS | _GREETING_WORDS
    return sum(1 for i, t in enumerate(toks) if i not in thanks and t.form not in usual) <= 2


def only_courtesy(text: str) -> bool:
    """Thanks, goodbyes and greetings and nothing else ("dziekuje do widzenia", "dzięki, pa, miłego dnia"):
    nothing to judge by meaning (typed without Polish letters, a goodbye sat near an emergency)."""
    forms = [t.form for t in tokens(text)]
    return bool(forms) and all(f in _COURTESY | _GREETING_WORDS | _FILLER_WORDS for f in forms)


def is_repeat_request(text: str) -> bool:
    """'Powtórz', 'nie usłyszałem', 'słucham?', 'jeszcze raz'."""
    toks = tokens(text)
    if len(toks) == 1 and toks[0].form in _REPEAT_ALONE:
        return True
    return len(toks) <= 8 and bool(term_positions(_REPEAT, toks))


def choice_index(text: str) -> int | None:
    """Which of two offered topics a reply picks: 0 for "pierwsze", "chodzi mi o to pierwsze", "jeden" or the
    key 1; 1 for "drugie", "ten drugi", "dwa" or 2. None when it names both or neither, or says anything
    else: "dwa dni temu" and "drugi raz dzwonię" are no picks."""
    lemmas = [t.lemma for t in tokens(text)]
    first, second = [lm for lm in lemmas if lm in _FIRST], [lm for lm in lemmas if lm in _SECOND]
    if bool(first) == bool(second) or any(lm not in _FIRST | _SECOND | _PICK_WORDS for lm in lemmas):
        return None
    return 0 if first else 1


def declines_both(text: str) -> bool:
    """'Żadne z nich', 'ani to, ani to', 'ani jedno, ani drugie', 'nie', 'nic z tego', 'nie wiem': neither of
    two offered topics, nothing more. 'Nie pierwsze' is no pick either (``choice_index`` refuses a negated ordinal), so
    it is read as a no: other words, please."""
    lemmas = [t.lemma for t in tokens(text)]
    allowed = _NONE | _PICK_WORDS | _FIRST | _SECOND | {"nie", "jedno", "wiedziec", "sam", "sama"}  # "nie wiem"
    return bool(lemmas) and any(lm in _NONE or lm == "nie" for lm in lemmas) and all(lm in allowed for lm in lemmas)


def has_topic_words(text: str) -> bool:
    """A word that can name a topic (longer than three letters, not "pytanie", "chcieć", "mówić", ...):
    "mam pytanie" or "tak jak mówiłem" has none, so no topic is offered for it."""
    return any(len(t.form) > 3 and t.lemma not in _META | _PICK_WORDS for t in tokens(text))


def is_not_that(text: str) -> bool:
    """'Nie o to mi chodziło': the previous answer missed."""
    return bool(term_positions(_NOT_THAT, tokens(text)))


def is_correction(text: str) -> bool:
    """'Nie, chodziło mi o ...', 'nie 48213 tylko 48214', 'pomyliłem się'."""
    return bool(term_positions(_CORRECTION, tokens(text)))


def mentions_quantity(text: str) -> bool:
    """A price, a count or a duration ('2000 zł', '30 dni'): its number is not an order number."""
    return bool(term_positions(_QUANTITY, tokens(text)))


_FOLLOW_UP_START = frozenset({"a", "i", "oraz", "no", "to", "ale", "tez"})
_ANAPHORA = frozenset({"to", "tego", "tym", "tej", "ta", "ten", "te", "tam", "temu", "tamto", "tez", "wtedy"})


def is_follow_up(text: str, max_words: int = 6) -> bool:
    """A short turn that leans on the previous one: 'a ile to kosztuje?', 'a na ile miesięcy?', 'i do kiedy?'."""
    forms = [t.form for t in tokens(text)]
    if not forms or len(forms) > max_words:
        return False
    return forms[0] in _FOLLOW_UP_START or any(f in _ANAPHORA for f in forms)


# Lemmas of a follow-up that asks for an aspect of the topic and names nothing new: cost, time, place, how.
_ASPECT = frozenset({
    "kosztowac", "koszt", "platny", "placic", "zaplacic", "oplata", "darmo", "darmowy", "bezplatny", "bezplatnie",
    "cena", "trwac", "potrwac", "dlugo", "czekac", "zrobic", "zalatwic", "mozna", "trzeba", "musiec", "moc",
    "kiedy", "gdzie", "ile", "jak", "czy", "potrzebny", "wymagany", "dlaczego", "czemu", "wtedy", "tam", "tutaj",
})  # fmt: skip


def asks_an_aspect(text: str) -> bool:
    """A follow-up that only asks how much, how long, where or how ("czy to coś kosztuje?", "a ile to
    trwa?", "a gdzie to można zrobić?"): it names no topic of its own, so it can only be about the last one.
    "a kurs euro?" or "a co z telewizją?" name something new and are no such follow-up."""
    if not is_follow_up(text):
        return False
    known = _ASPECT | _META | _ANAPHORA | _FOLLOW_UP_START
    return all(len(t.form) <= 3 or t.lemma in known or t.form in known for t in tokens(text))


def mostly_number(text: str) -> bool:
    """The turn is essentially a number ('48213', 'numer 48213', 'to jest cztery osiem dwa jeden trzy')."""
    extra = {"numer", "nr", "zamowienia", "zamowienie", "jest", "ma", "tak", "nie", "moj", "moje", "mam", "o"}
    rest = [w for w in _content(text, extra) if not w.isdigit() and not is_number_word(w)]
    return len(rest) <= 2


def only_numbers(text: str) -> bool:
    """Nothing but numbers ("pięć", "zero", "16", "5, 2, 0"), fillers aside. A number read out, or a digit
    the recognizer heard alone, is no question for the knowledge base: "pięć" does not ask about 5G, nor
    "zero" about 0 % instalments (both were answered so, from the shared phone recordings)."""
    forms = _content(text, set())
    return bool(forms) and all(f.isdigit() or is_number_word(f) for f in forms)


def says_zero(text: str) -> bool:
    """ "Zero" and nothing else ("zero", "0", "00", "no zero", "zero zero")."""
    forms = _content(text, set())
    return bool(forms) and all(f == "zero" or (f.isdigit() and not f.strip("0")) for f in forms)


def zero_for_a_person(text: str, expects: str, topic: str | None) -> bool:
    """On the phone the greeting's hint says to press zero for a consultant, and some callers say "zero"
    instead. Not while digits are awaited, nor as a follow-up ("a zero?" after a question about instalments)."""
    return says_zero(text) and expects != "order_number" and not (topic and is_follow_up(text))


def after_preamble(text: str, min_words: int = 3) -> str | None:
    """What the caller said after the first clause, when that is a question of its own, else None.

    Why: callers open with a greeting or a preamble ("Dzień dobry, ...", "mam pytanie, ..."), and on the
    phone the recognizer garbles it more than the rest ("Jeni Lobby, ile kosztuje dostama lotaczkomatu?"):
    two unknown words are enough to pull a clear question below the knowledge base's confirm band. The
    rest of the sentence is read on its own as a second chance; it is a part of what the caller said,
    so no more out of scope than the whole. A rest that points back at the first clause ("chcę otworzyć
    firmę, gdzie *to* zgłosić") is no question of its own: read alone it asks about anything ("gdzie to
    zgłosić" found the street-lamp fault reports of an office KB)."""
    head, sep, rest = text.partition(",")
    if not sep or not head.strip():
        return None
    rest = rest.strip()
    forms = [t.form for t in tokens(rest)]
    return rest if len(forms) >= min_words and not _ANAPHORA & set(forms) else None
