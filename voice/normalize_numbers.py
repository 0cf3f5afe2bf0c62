"""Polish number words with the grammatical case and gender that the surrounding text needs.

num2words (lang="pl") gives nominative cardinals and masculine nominative ordinals; Polish speech also
needs genitive cardinals ("do pięciu dni"), feminine forms ("dwie paczki", "jedna sztuka") and declined
ordinals ("dwudziestego piątego", "o czternastej"). Those are derived here from num2words' words by small
tables rather than rewriting the number speller, so large numbers stay num2words' job.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import simplemma
from num2words import num2words

Case = Literal["nom", "gen"]
Gender = Literal["m", "f", "n"]
# Ordinal forms: masculine nom/gen/loc, feminine nom/gen(=dat=loc)/acc(=instr), neuter nom.
OrdinalForm = Literal["m_nom", "m_gen", "m_loc", "f_nom", "f_gen", "f_acc", "n_nom"]

_GENITIVE = {
    "zero": "zera", "dwa": "dwóch", "dwie": "dwóch", "trzy": "trzech", "cztery": "czterech",
    "pięć": "pięciu", "sześć": "sześciu", "siedem": "siedmiu", "osiem": "ośmiu", "dziewięć": "dziewięciu",
    "dziesięć": "dziesięciu", "jedenaście": "jedenastu", "dwanaście": "dwunastu", "trzynaście": "trzynastu",
    "czternaście": "czternastu", "piętnaście": "piętnastu", "szesnaście": "szesnastu",
    "siedemnaście": "siedemnastu", "osiemnaście": "osiemnastu", "dziewiętnaście": "dziewiętnastu",
    "dwadzieścia": "dwudziestu", "trzydzieści": "trzydziestu", "czterdzieści": "czterdziestu",
    "pięćdziesiąt": "pięćdziesięciu", "sześćdziesiąt": "sześćdziesięciu",
    "siedemdziesiąt": "siedemdziesięciu", "osiemdziesiąt": "osiemdziesięciu",
    "dziewięćdziesiąt": "dziewięćdziesięciu", "sto": "stu", "dwieście": "dwustu", "trzysta": "trzystu",
    "czterysta": "czterystu", "pięćset": "pięciuset", "sześćset": "sześciuset", "siedemset": "siedmiuset",
    "osiemset": "ośmiuset", "dziewięćset": "dziewięciuset", "tysiąc": "tysiąca", "tysiące": "tysięcy",
    "milion": "miliona", "miliony": "milionów", "miliard": "miliarda", "miliardy": "miliardów",
}  # fmt: skip
_ONE = {("nom", "m"): "jeden", ("nom", "f"): "jedna", ("nom", "n"): "jedno",
        ("gen", "m"): "jednego", ("gen", "f"): "jednej", ("gen", "n"): "jednego"}  # fmt: skip
_DIGITS = ("zero", "jeden", "dwa", "trzy", "cztery", "pięć", "sześć", "siedem", "osiem", "dziewięć")
# Endings replacing the masculine nominative "-y"/"-i" of an ordinal, per stem type, in _FORMS order.
_FORMS: tuple[OrdinalForm, ...] = ("m_nom", "m_gen", "m_loc", "f_nom", "f_gen", "f_acc", "n_nom")
_ORD_ENDINGS = {
    "hard": ("y", "ego", "ym", "a", "ej", "ą", "e"),  # piąty
    "velar": ("i", "iego", "im", "a", "iej", "ą", "ie"),  # drugi
    "soft": ("i", "iego", "im", "ia", "iej", "ią", "ie"),  # trzeci
}


def plural_index(n: int) -> int:
    """0 for one, 1 for the 2-4 form (22, 103, not 12-14), 2 for the 'many' form: the Polish noun rule."""
    if n == 1:
        return 0
    if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        return 1
    return 2


def cardinal(n: int, case: Case = "nom", gender: Gender = "m") -> str:
    """Cardinal in nominative or genitive; 'jeden'/'dwa' agree with the noun's gender."""
    if n < 0:
        return "minus " + cardinal(-n, case, gender)
    if n == 1:
        return _ONE[(case, gender)]
    words = num2words(n, lang="pl").split()
    if gender == "f" and words[-1] == "dwa":
        words[-1] = "dwie"
    if case == "gen":
        words = [_GENITIVE.get(w, w) for w in words]
    return " ".join(words)


def decimal(whole: int, frac: str, case: Case = "nom", gender: Gender = "m") -> str:
    """'2,5' -> 'dwa i pół', '1,5' -> 'półtora', '0,5' -> 'pół', else 'dwa przecinek siedem'."""
    if frac.rstrip("0") == "5":
        if whole == 0:
            return "pół"
        if whole == 1:
            return "półtorej" if gender == "f" else "półtora"
        return f"{cardinal(whole, case)} i pół"
    if not frac.strip("0"):
        return cardinal(whole, case, gender)
    zeros = len(frac) - len(frac.lstrip("0"))
    tail = " ".join(["zero"] * zeros + [cardinal(int(frac))])
    return f"{cardinal(whole, case)} przecinek {tail}"


def digits(text: str) -> str:
    """Digit by digit, in comma-separated groups of three when long, so a caller can write it down."""
    spoken = [_DIGITS[int(d)] for d in text if d.isdigit()]
    if len(spoken) <= 6:
        return " ".join(spoken)
    sizes = [3] * (len(spoken) // 3)
    if len(spoken) % 3 == 1:
        sizes[-1] = 4
    elif len(spoken) % 3 == 2:
        sizes.append(2)
    groups, start = [], 0
    for size in sizes:
        groups.append(" ".join(spoken[start : start + size]))
        start += size
    return ", ".join(groups)


def number_group(text: str) -> str:
    """A phone or postcode group: '600' -> 'sześćset', but '022' -> 'zero dwa dwa' (leading zero)."""
    return digits(text) if text.startswith("0") and len(text) > 1 else cardinal(int(text))


def _decline_ordinal_word(word: str, form: OrdinalForm) -> str:
    if word.endswith(("gi", "ki")):
        stem, kind = word[:-1], "velar"
    elif word.endswith("i"):
        stem, kind = word[:-1], "soft"
    else:
        stem, kind = word[:-1], "hard"
    return stem + _ORD_ENDINGS[kind][_FORMS.index(form)]


@lru_cache(maxsize=512)
def ordinal(n: int, form: OrdinalForm = "m_nom") -> str:
    """Declined ordinal: only the trailing ordinal words change ('dwa tysiące dwudziestego szóstego')."""
    nominative = num2words(n, lang="pl", to="ordinal").split()
    plain = num2words(n, lang="pl").split()
    keep = 0
    while keep < min(len(plain), len(nominative)) and plain[keep] == nominative[keep]:
        keep += 1
    declined = [_decline_ordinal_word(w, form) for w in nominative[keep:]]
    return " ".join(nominative[:keep] + declined)


@dataclass(frozen=True)
class Noun:
    """The forms a counted noun takes: 1 / 2-4 / 5+ / genitive singular (also after fractions)."""

    one: str
    few: str
    many: str
    gen_one: str
    gender: Gender = "m"

    def form(self, n: int, case: Case = "nom", fraction: bool = False) -> str:
        if fraction:
            return self.gen_one
        if case == "gen":
            return self.gen_one if n == 1 else self.many
        return (self.one, self.few, self.many)[plural_index(n)]


def quantity(whole: int, frac: str, noun: Noun, case: Case = "nom") -> str:
    """Number plus the agreeing noun: '22 zł' -> 'dwadzieścia dwa złote', '2,5 kg' -> '... kilograma'."""
    fraction = bool(frac.strip("0"))
    spoken = decimal(whole, frac, case, noun.gender) if fraction else cardinal(whole, case, noun.gender)
    return f"{spoken} {noun.form(whole, case, fraction)}"


@lru_cache(maxsize=1024)
def gender_of(word: str) -> Gender:
    """Grammatical gender of a counted noun from its lemma (simplemma): -a/-ość feminine, -o/-e/-um neuter.

    simplemma's Polish dictionary loads on first use (about 5 s); the dialog engine warms it up at start.
    Only numbers ending in 1 or 2 ('jedna', 'dwie') ever need it.
    """
    lemma = simplemma.lemmatize(word.lower(), lang="pl")
    if lemma.endswith(("a", "ść")):
        return "f"
    if lemma.endswith(("o", "e", "ę", "um")):
        return "n"
    return "m"
