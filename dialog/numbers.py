"""Order numbers out of what the recogniser wrote, and a yes/no detector.

Why a small hand-written parser: callers say order numbers in every way at once ("48213", "48-213",
"cztery osiem dwa jeden trzy", "czterdzieści osiem tysięcy dwieście trzynaście", "czterdzieści osiem
dwa trzynaście", "48 tysięcy 213"), and Whisper writes them with or without diacritics. ``num2words``
only goes digits -> words; nothing on PyPI parses Polish numerals back, so the grammar below is kept
tiny: number words combine into a *chunk* while they fit Polish numeral order (hundreds, tens, units,
optionally times "tysiąc"); a word that does not fit starts a new chunk, and the chunks' digits are
concatenated. That one rule covers digit-by-digit, pairs/groups and full numerals alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from dialog.engine_text import fold

_DIGIT_NOUNS = ("jedyn", "dwoj", "troj", "czwor", "piat", "szost", "siodem", "osem", "dziewiat")
_UNITS = {
    "zero": 0, "zera": 0, "zerem": 0, "jeden": 1, "jedna": 1, "jedno": 1, "dwa": 2, "dwie": 2,
    "trzy": 3, "cztery": 4, "piec": 5, "szesc": 6, "siedem": 7, "osiem": 8, "dziewiec": 9,
    # Colloquial digit names ("dwójka", "ósemkę") in the cases a caller uses them.
    **{stem + end: v for v, stem in enumerate(_DIGIT_NOUNS, start=1) for end in ("ka", "ke", "ki", "ko")},
}  # fmt: skip
_TEENS = {
    "dziesiec": 10, "jedenascie": 11, "dwanascie": 12, "trzynascie": 13, "czternascie": 14,
    "pietnascie": 15, "szesnascie": 16, "siedemnascie": 17, "osiemnascie": 18, "dziewietnascie": 19,
}  # fmt: skip
_TENS = {
    "dwadziescia": 20, "trzydziesci": 30, "czterdziesci": 40, "piecdziesiat": 50,
    "szescdziesiat": 60, "siedemdziesiat": 70, "osiemdziesiat": 80, "dziewiecdziesiat": 90,
}  # fmt: skip
_HUNDREDS = {
    "sto": 100, "dwiescie": 200, "trzysta": 300, "czterysta": 400, "piecset": 500,
    "szescset": 600, "siedemset": 700, "osiemset": 800, "dziewiecset": 900,
}  # fmt: skip
_THOUSAND = {"tysiac", "tysiace", "tysiecy", "tysiaca", "tys"}
_FUZZY_VOCAB = [*_TEENS, *_TENS, *_HUNDREDS, "tysiecy", "tysiace"]
_HESITATION = re.compile(r"^(y+|e+|m+|y+m+|e+m+|h+m+)$")
_TOKEN = re.compile(r"\d+|[^\W\d_]+|[-/.,]")


@dataclass
class _Chunk:
    """One numeral being built. ``pos``: 0 empty after 'tysiąc', 3 after hundreds, 2 after tens, 1 full."""

    low: int = 0
    pos: int = 0
    thousands: int | None = None
    raw: str | None = None  # digits as written (keeps leading zeros: "0 4 8")

    def digits(self) -> str:
        if self.raw is not None:
            return self.raw
        return str((self.thousands or 0) * 1000 + self.low)


def _word_value(tok: str) -> tuple[str, int] | None:
    """(kind, value) of a folded number word; tolerant of one ASR slip in the long words."""
    for kind, table in (("unit", _UNITS), ("teen", _TEENS), ("ten", _TENS), ("hundred", _HUNDREDS)):
        if tok in table:
            return kind, table[tok]
    if tok in _THOUSAND:
        return "thousand", 1000
    if len(tok) >= 7:
        hit = process.extractOne(tok, _FUZZY_VOCAB, scorer=fuzz.ratio, score_cutoff=88)
        if hit is not None:
            return _word_value(hit[0])
    return None


def is_number_word(word: str) -> bool:
    """A Polish numeral word ("czterdzieści", "dwójka", "tysięcy"), with or without diacritics."""
    return _word_value(fold(word)) is not None


class _RunParser:
    """Turns one run of number tokens into digits, chunk by chunk."""

    def __init__(self) -> None:
        self.pieces: list[str] = []
        self.cur: _Chunk | None = None

    def _flush(self) -> None:
        if self.cur is not None:
            self.pieces.append(self.cur.digits())
        self.cur = None

    def _start(self, chunk: _Chunk) -> None:
        self._flush()
        self.cur = chunk

    def digits(self, text: str) -> None:
        cur = self.cur
        if cur is not None and cur.thousands is not None and cur.pos == 0 and len(text) <= 3:
            cur.low, cur.pos = int(text), 1  # "48 tysięcy 213"
            return
        self._start(_Chunk(low=int(text), pos=1, raw=text))

    def word(self, kind: str, value: int) -> None:
        cur = self.cur
        if kind == "thousand":
            if cur is not None and cur.thousands is None and cur.pos != 0:
                cur.thousands = int(cur.digits()) or 1
                cur.low, cur.pos, cur.raw = 0, 0, None
            else:
                self._start(_Chunk(thousands=1))
            return
        accepts = {"hundred": (0,), "ten": (0, 3), "teen": (0, 3), "unit": (0, 3, 2)}[kind]
        if value == 0 or cur is None or cur.raw is not None or cur.pos not in accepts:
            self._start(_Chunk(raw="0") if value == 0 else _Chunk())
            cur = self.cur
            if value == 0:
                return
        assert cur is not None
        cur.low += value
        cur.pos = {"hundred": 3, "ten": 2, "teen": 1, "unit": 1}[kind]

    def result(self) -> str:
        self._flush()
        return "".join(self.pieces)


def _runs(text: str) -> list[str]:
    """Digit strings of every maximal run of number tokens in ``text``."""
    runs: list[str] = []
    parser: _RunParser | None = None
    tokens = _TOKEN.findall(fold(text))
    for i, tok in enumerate(tokens):
        if tok.isdigit():
            parser = parser or _RunParser()
            prev, before = (tokens[i - 1] if i else ""), (tokens[i - 2] if i > 1 else "")
            one_by_one = len(tok) == 1 and len(before) == 1 and before.isdigit()  # Whisper's "5, 3, 7, 6, 1"
            if prev in {",", "."} and len(tok) != 3 and not one_by_one:  # "25.11.2026" a date, "48.213" a number
                runs.append(parser.result())
                parser = _RunParser()
            parser.digits(tok)
            continue
        value = None if tok in "-/.," else _word_value(tok)
        if value is not None:
            parser = parser or _RunParser()
            parser.word(*value)
        elif tok in "-/.," or _HESITATION.match(tok):
            continue  # separators and "yyy" do not end a number
        elif parser is not None:
            runs.append(parser.result())
            parser = None
    if parser is not None:
        runs.append(parser.result())
    return [r for r in runs if r]


def find_order_numbers(text: str, min_digits: int = 4, max_digits: int = 10) -> list[str]:
    """Every plausible order number in ``text``, in the order spoken (the last is the caller's final word).

    A run that is one number twice over ("pięć dwa pięć trzy dziewięć pięć dwa pięć trzy dziewięć") is
    that number once: on short phone audio Whisper sometimes writes what it heard a second time."""
    runs = [_once(r, min_digits) for r in _runs(text)]
    return [r for r in runs if min_digits <= len(r) <= max_digits]


def _once(digits: str, min_digits: int) -> str:
    half = len(digits) // 2
    return digits[:half] if half >= min_digits and digits == digits[:half] * 2 else digits


def extract_order_number(text: str, min_digits: int = 4, max_digits: int = 10) -> str | None:
    """The order number the caller means: the last one said ("nie 48213 tylko 48214" -> "48214")."""
    found = find_order_numbers(text, min_digits, max_digits)
    return found[-1] if found else None


_YES = {
    "tak", "jasne", "oczywiscie", "pewnie", "owszem", "dokladnie", "zgoda", "ok", "okej", "okay",
    "dobrze", "chetnie", "potwierdzam", "zgadza", "racja", "mhm", "yhm", "ano", "taa",
    "pewno", "naturalnie", "slusznie", "dawaj", "dajcie",
}  # fmt: skip
# "Proszę" is a yes alone ("proszę", "proszę bardzo", "proszę, 600 100 200"), but it also starts a request of its
# own: "proszę połączyć mnie z kimś z podatków" asked while a yes/no was pending is not a bare "tak".
_PLEASE = {"prosze", "poprosze"}
_COURTESY = {"bardzo", "uprzejmie", "pani", "pana", "panie", "panstwa", "panstwo"}
_AFTER_PLEASE = {"ale", "i", "dziekuje", "dziekujemy", "dzieki"}
# what may stand for the proposal itself after "proszę": "proszę o to", "proszę mi to przeczytać"
_FOR_IT = {"o", "to", "tego", "mi", "mnie", "nam", "nas", "go", "je", "ja", "juz", "teraz"}
_NOT_NEEDED = {"trzeba", "potrzeba", "dziekuje", "dziekujemy", "dzieki"}  # "proszę pani, nie trzeba"
_NOT_AN_ANSWER = {"powtorzyc", "przeliterowac"}  # "proszę powtórzyć": the question again
_NO = {"nie", "niepotrzebne", "nigdy", "bynajmniej", "skad", "nieprawda", "zle", "niezupelnie"}
_YES_PHRASES = re.compile(r"\b(nie ma sprawy|nie ma problemu|jak najbardziej|no pewnie|a jakze)\b")
_NO_PHRASES = re.compile(r"\b(w zadnym wypadku|ze nie|raczej nie|no nie|chyba nie|to nie to)\b")
_UNSURE = re.compile(r"\b(nie wiem|nie jestem pewn\w*|nie pamietam|nie mam pojecia|moze|nie rozumiem)\b")


def yes_no(text: str) -> bool | None:
    """True for yes, False for no, None when the caller said neither (or is unsure).

    Only the first few words count: "tak, ale mam jeszcze pytanie" is a yes; "nie, chodziło mi o ..."
    is a no. A lone "no" is the colloquial Polish "yeah".
    """
    folded = " ".join(re.findall(r"[^\W_]+", fold(text)))
    head = " ".join(folded.split()[:4])
    if not head:
        return None
    if _UNSURE.search(head):
        return None
    if _YES_PHRASES.search(head):
        return True
    if _NO_PHRASES.search(head):
        return False
    if head == "no":
        return True
    words = folded.split()
    for at, word in enumerate(words[:4]):
        if word in _NO:
            return False
        if word in _YES:
            return True
        if word in _PLEASE:
            return _after_please(words[at + 1 :])
    return None


def _after_please(rest: list[str]) -> bool | None:
    """What a "proszę" with ``rest`` after it answers. A yes: nothing but courtesy ("bardzo", "pani"), then
    nothing, a yes, a "but" or a number; or only the proposal's own verb and pronouns for it ("proszę o to",
    "proszę mi to przeczytać", "proszę połączyć"). A no: "nie" alone, "nie trzeba", or "nie" with a verb
    ("proszę nie dzwonić", "proszę mnie nie łączyć"). Anything else is the request's own content: None."""
    while rest and rest[0] in _COURTESY:
        rest = rest[1:]
    if not rest:
        return True
    nxt = rest[0]
    if nxt in _YES or nxt in _AFTER_PLEASE or nxt.isdigit() or _word_value(nxt) is not None:
        return True
    words = [w for w in rest[:4] if w not in _FOR_IT]
    if words[:1] == ["nie"]:
        refused = words[1:2]
        return False if not refused or refused[0] in _NOT_NEEDED or _infinitive(refused[0]) else None
    verb = len(words) == 1 and _infinitive(words[0]) and "o" not in rest  # "proszę o pomoc": a noun, a request
    if len(rest) <= 3 and (not words or verb):
        return True
    return None


def _infinitive(word: str) -> bool:
    """A verb's infinitive, folded ("przeczytać" -> "przeczytac"), not a request to hear the question again."""
    return len(word) > 4 and word.endswith("c") and word not in _NOT_AN_ANSWER


def first_digit_word(text: str) -> int | None:
    """The first single number 0-9 said or typed ("pięć", "na czwórkę", "daję 5"), else None.

    Why separate from ``find_order_numbers``: a rating or a menu choice is one small number, and "pięć
    minut temu" must not become an order; the first number word decides."""
    for tok in _TOKEN.findall(fold(text)):
        if tok.isdigit():
            return int(tok) if len(tok) == 1 else None
        if tok in _UNITS:
            return _UNITS[tok]
        if tok in _TEENS or tok in _TENS or tok in _HUNDREDS:
            return None
    return None
