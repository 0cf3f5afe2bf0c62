"""Text normalisation for matching Polish as speech recognition and chat users write it.

Callers' words reach us without capitals, sometimes without Polish letters (typed chat, "zamowienie"), with
digits where the KB has words or the other way round ("14 dni" / "czternaście dni"). Everything that
compares texts goes through these functions so that both sides of a comparison are normalised alike.
"""

from __future__ import annotations

import re
import unicodedata

import simplemma
from num2words import num2words

_POLISH = str.maketrans("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ", "acelnoszzACELNOSZZ")
_HYPHEN_IN_WORD = re.compile(r"(?<=\w)-(?=\w)")
_NON_WORD = re.compile(r"[^\w]+|_")
_NUMBER = re.compile(r"\d+")
_MAX_SPOKEN_NUMBER = 1_000_000

# Function words and call fillers that say nothing about which answer fits. Written without diacritics:
# they are compared after stripping. Question words ("jak", "ile", "gdzie", "kiedy") stay: they tell a
# "how" question from a cost, place or time question.
_STOPWORD_TEXT = """
    a aby albo ale bo by byc byl byla bylo bym bys czy czyli dla do dobry go i ich im ja jakis jakos jej
    jest jeszcze jezeli jesli juz ktory ktora ktore mam mi mnie moj moja moje mu my na nam nas nasz nie niech
    no o od oraz po pod przez przy sa sie so tak taki takie tam te tego tej ten tez to tu ty u w we wam was
    wasz z za ze zeby hm hmm yyy eee eh ee mhm aha halo prosze pan pani panie panstwo dziekuje chcialbym
    chcialabym chcialem chcialam chce chciec moze moc mozna moglbym moglabym wlasnie jakby sobie cos ktos
    tylko bardzo teraz tutaj witam miec ta ci
"""
STOPWORDS: frozenset[str] = frozenset(_STOPWORD_TEXT.split())


def strip_diacritics(text: str) -> str:
    """ł->l, ż->z etc.; other accented letters lose their accents too (foreign names in a KB)."""
    text = text.translate(_POLISH)
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_DIGIT_BY_DIGIT = 3  # "01", "007": said digit by digit; a longer one ("0800...", a phone number) kept as written


def _spell_number(match: re.Match[str]) -> str:
    """Digits as Polish words, so "14 dni" meets "czternaście dni"; "00" of "8:00" carries nothing.

    A number with a leading zero is not dropped: it is the part that tells error codes apart ("F01" and "F02"
    normalised alike made the KB's duplicate check refuse one entry per code, and retrieval could not tell them
    apart). It is spelt digit by digit, as people read it out ("ef zero jeden")."""
    digits = match.group(0)
    if len(digits) > 1 and digits.startswith("0"):
        if not digits.strip("0"):
            return " "
        if len(digits) > _DIGIT_BY_DIGIT:
            return f" {digits} "
        return " " + " ".join(num2words(int(d), lang="pl") for d in digits) + " "
    value = int(digits)
    if value > _MAX_SPOKEN_NUMBER:
        return f" {digits} "
    return f" {num2words(value, lang='pl')} "


def words(text: str) -> list[str]:
    """Lower-case words with Polish letters kept (the lemmatiser needs them); numbers spelt out.

    Hyphenated words are joined ("e-mail" -> "email", "SMS-em" -> "smsem") because speech recognition and
    people write them both ways.
    """
    text = _HYPHEN_IN_WORD.sub("", text.lower())
    text = _NUMBER.sub(_spell_number, text)
    return [w for w in _NON_WORD.split(text) if w]


def normalize(text: str) -> str:
    """Lower case, no diacritics, no punctuation, single spaces: the form used for fuzzy comparison."""
    return " ".join(strip_diacritics(w) for w in words(text))


def lemma(word: str) -> str:
    """Dictionary form of one word, lower case and without diacritics ("Zamówieniu" -> "zamowienie").

    simplemma needs the Polish letters to find a word; a word typed without them comes back unchanged,
    which the knowledge base repairs with its own surface->lemma map and fuzzy lookup.
    """
    return strip_diacritics(simplemma.lemmatize(word.lower(), lang="pl").lower())


_SAME_SOUND = (("rz", "z"), ("ch", "h"), ("ó", "u"))


def sound(word: str) -> str:
    """A spelling-blind key: Polish letter pairs that sound alike merge ("chasło", "hasło" -> "haslo").

    Callers who type, and recognizers that guess, confuse exactly these spellings; the key lets a word
    find its KB counterpart before (and more reliably than) fuzzy matching.
    """
    word = word.lower()
    for written, heard in _SAME_SOUND:
        word = word.replace(written, heard)
    return strip_diacritics(word)


def is_stopword(word: str) -> bool:
    """True for a word (with or without diacritics) that carries no meaning for retrieval."""
    return strip_diacritics(word.lower()) in STOPWORDS


# ---------------------------------------------------------------- hotwords for the recognizer
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_ACRONYM_WITH_ENDING = re.compile(r"^([^\W\d_a-ząćęłńóśźż]{2,})-?[a-ząćęłńóśźż]{0,3}$")
_SENTENCE_END = '.!?„“"«:;('
_MIN_RARE_LEN = 8


def _is_name(word: str) -> bool:
    """Capitalised, an acronym (DPD, BLIK-iem) or mixed case (InPost, ePUAP); not a function word."""
    if len(word) < 2 or is_stopword(word):
        return False
    return word[0].isupper() or any(ch.isupper() for ch in word[1:])


def _is_plain_capital(word: str) -> bool:
    """Capitalised only as any word is at a sentence start ("Nasze", "Urząd"), not an acronym or mixed."""
    return _ACRONYM_WITH_ENDING.match(word) is None and not any(ch.isupper() for ch in word[1:])


def _display(word: str) -> str:
    """Hotword form: acronyms without Polish endings ("BLIKiem" -> "BLIK"), names in their base form."""
    acronym = _ACRONYM_WITH_ENDING.match(word)
    if acronym:
        return acronym.group(1)
    base = simplemma.lemmatize(word, lang="pl")
    a, b = strip_diacritics(base), strip_diacritics(word)
    prefix = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    only_ending_differs = prefix >= min(len(a), len(b)) - 1  # inflection, not "Apple" -> "Appel"
    return base if base[:1].isupper() and only_ending_differs else word


def _names(text: str) -> list[str]:
    """Runs of capitalised words ("Poczta Polska", "Urząd Miasta Gdańsk") in one text, displayed.

    A capital at a sentence start proves nothing, so such a word counts only as the head of a run of
    capitalised words.
    """
    runs: list[list[str]] = []
    last_end = -2
    for m in _WORD.finditer(text):
        if not _is_name(m.group()):
            continue
        if runs and text[last_end : m.start()] == " ":
            runs[-1].append(m.group())
        else:
            before = text[: m.start()].rstrip()
            at_start = not before or before[-1] in _SENTENCE_END
            runs.append(["^" + m.group()] if at_start and _is_plain_capital(m.group()) else [m.group()])
        last_end = m.end()
    names = []
    for run in runs:
        if run[0].startswith("^"):  # keep "Urząd Miasta", drop the "Kurier" of "Kurier DPD"
            run[0] = run[0][1:]
            if len(run) == 1 or not _is_plain_capital(run[1]):
                run = run[1:]
        if run:
            names.append(" ".join(_display(w) for w in run))
    return names


def _rare_words(documents: list[str], exclude: set[str]) -> list[str]:
    """Long lower-case words used by one topic only; words the lemma dictionary lacks (jargon) first."""
    topics: dict[str, set[int]] = {}
    shown: dict[str, str] = {}
    for topic, text in enumerate(documents):
        for word in _WORD.findall(text):
            if word.islower() and len(word) >= _MIN_RARE_LEN and not is_stopword(word):
                key = lemma(word)
                topics.setdefault(key, set()).add(topic)
                shown.setdefault(key, word)
    rare = [k for k, t in topics.items() if len(t) == 1 and k not in exclude]
    rare.sort(key=lambda k: (simplemma.is_known(shown[k], lang="pl"), -len(k), k))
    return [shown[k] for k in rare]


def hotwords(documents: list[str], limit: int = 50) -> list[str]:
    """Words a recognizer should be primed with: the names in the texts, then their rare words.

    ``documents`` holds one text per topic. Names come first, most frequent first, because speech
    recognition mangles brand, carrier, street and city names most; a name that also appears as an
    ordinary lower-case word (a tab called "Zwroty") goes after the real names.
    """
    count: dict[str, int] = {}
    for text in documents:
        for name in _names(text):
            count[name] = count.get(name, 0) + 1
    ordinary = {lemma(w) for text in documents for w in _WORD.findall(text) if w.islower()}
    names = sorted(count, key=lambda n: (lemma(n) in ordinary, -count[n], n))
    seen = {lemma(w) for n in names for w in n.split()}
    return (names + _rare_words(documents, seen))[:limit]
