"""Cue matching for Polish as ASR writes it: stems and lemmas instead of regexes of inflections.

Why: Polish inflects every noun and verb ("konsultant, konsultanta, konsultantem, konsultantką"), and
Whisper may drop diacritics. Each token is compared by its folded form *and* its simplemma lemma against
short stems, with a fuzzy fallback for one-letter ASR slips, so a cue is written once ("z konsultant")
and matches every form. Used by escalation and by the engine's small intents.

Syntax: a *term* lists alternatives with ``|``; an alternative is a sequence of atoms separated by spaces
that must follow each other (at most one word in between: "z żywym człowiekiem"); an atom is a stem
(prefix match) or ``=word`` (whole word or lemma), and may exclude forms with ``!prefix``
("przelacz!przelacznik"). A *cue* is a set of terms that must all occur, optionally cancelled by an
``unless`` term. Terms are compiled once, at import (``term()``), and indexed by initial letter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from dialog.engine_text import fold, lemma, words

_FUZZY_MIN_LEN, _FUZZY_SCORE = 7, 90


@dataclass(frozen=True)
class Token:
    form: str  # folded word as written
    lemma: str  # folded lemma


def tokens(text: str) -> list[Token]:
    return [Token(fold(w), lemma(w)) for w in words(text)]


@dataclass(frozen=True)
class _Atom:
    stem: str
    exact: bool  # "=word": whole word or lemma, not a prefix
    excluded: tuple[str, ...]  # "!prefix": forms that never match

    def matches(self, tok: Token) -> bool:
        if any(tok.form.startswith(ex) for ex in self.excluded):
            return False
        if self.exact:
            return self.stem in (tok.form, tok.lemma)
        if tok.form.startswith(self.stem) or tok.lemma.startswith(self.stem):
            return True
        return (
            len(self.stem) >= _FUZZY_MIN_LEN
            and len(tok.form) >= len(self.stem)
            and fuzz.ratio(tok.form[: len(self.stem)], self.stem) >= _FUZZY_SCORE
        )


def _atom(spec: str) -> _Atom:
    stem, *excluded = spec.split("!")
    return _Atom(stem.removeprefix("="), stem.startswith("="), tuple(excluded))


@dataclass(frozen=True)
class Term:
    """A compiled term: its alternatives indexed by the first letter of their first atom, so a token is
    only compared with the few alternatives that can match it (ASR rarely mishears a word's onset)."""

    by_initial: Mapping[str, tuple[tuple[_Atom, ...], ...]]

    def candidates(self, tok: Token) -> tuple[tuple[_Atom, ...], ...]:
        first = self.by_initial.get(tok.form[:1], ())
        if tok.lemma[:1] == tok.form[:1]:
            return first
        return first + self.by_initial.get(tok.lemma[:1], ())


def term(spec: str) -> Term:
    """Compile a term spec ("a|=b c|d!e", syntax in the module docstring); do it once, at import."""
    index: dict[str, list[tuple[_Atom, ...]]] = {}
    for alt in spec.split("|"):
        atoms = tuple(_atom(a) for a in alt.split())
        index.setdefault(atoms[0].stem[:1], []).append(atoms)
    return Term({k: tuple(v) for k, v in index.items()})


def _sequence_at(atoms: tuple[_Atom, ...], toks: Sequence[Token], start: int) -> bool:
    if not atoms[0].matches(toks[start]):
        return False
    pos = start
    for atom in atoms[1:]:
        nxt = next((j for j in (pos + 1, pos + 2) if j < len(toks) and atom.matches(toks[j])), None)
        if nxt is None:
            return False
        pos = nxt
    return True


def term_positions(compiled: Term, toks: Sequence[Token]) -> list[int]:
    """Token positions where any alternative of the term starts."""
    return [
        i for i, tok in enumerate(toks) if tok.form and any(_sequence_at(a, toks, i) for a in compiled.candidates(tok))
    ]


@dataclass(frozen=True)
class Cue:
    terms: tuple[Term, ...]
    unless: Term | None = None  # a term that, when present, cancels the cue

    def matches(self, toks: Sequence[Token]) -> bool:
        if self.unless is not None and term_positions(self.unless, toks):
            return False
        return all(term_positions(t, toks) for t in self.terms)


def cues(*specs: str | tuple[str, ...], unless: str = "") -> tuple[Cue, ...]:
    guard = term(unless) if unless else None
    return tuple(Cue(tuple(term(t) for t in ((s,) if isinstance(s, str) else s)), guard) for s in specs)
