"""The knowledge base's gaps: what callers asked that the bot did not understand, grouped by meaning.

Why: every miss (a turn the engine could not place, or the second one, which transfers the caller as
``not_understood``) is a question the shop could answer next week. One by one they are noise; grouped by
meaning ("przyjmujecie bitcoiny?", "czy mogę zapłacić kryptowalutą?") they are a ranked to-do list, and
each group's wordings are exactly the ``questions`` of a new KB entry (``to_kb_yaml``).

A miss the caller resolved by picking one of the two entries offered after it ("czy chodzi o to: A, czy o
to: B?", ``Miss.resolved_as``) is no gap: its wording is one that entry lacks. Those are listed apart, by
entry (``resolved_wordings``), to add to the entry's questions so the next caller is answered at once.

A short follow-up ("a ile to kosztuje?") is grouped and shown with the topic it followed (``Miss.said``:
"ile trwa dostawa, a ile to kosztuje?"): alone, the follow-ups of every topic would look like one gap.

Grouping is greedy and deterministic: distinct wordings, most frequent first, each joins the group whose
centroid is the most similar when that similarity reaches ``threshold``, else starts a group. Sentence
vectors of e5 models all point roughly the same way (cosines of unrelated Polish questions are ~0.8), so
similarities are taken after subtracting a ``center``: the mean vector of the shop's KB questions
(``reference_center``). Centred, unrelated questions score ~0 and paraphrases ~0.3-0.8. Pure: vectors
come from the ``embed`` function given, times are the misses' own.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import yaml

from dialog import textnorm
from dialog.engine_intents import has_topic_words
from dialog.kb_entries import MAX_ID_CHARS, MAX_QUESTION_CHARS
from dialog.ports import Miss

DEFAULT_THRESHOLD = 0.4  # centred cosine; measured on paraphrases vs unrelated shop questions (tests)
Embed = Callable[[Sequence[str]], np.ndarray]
_SPACES = re.compile(r"\s+")


@dataclass
class Gap:
    """One group of misses that mean the same thing."""

    questions: list[tuple[str, int]]  # distinct wordings with how often each was asked, most frequent first
    count: int = 0
    transferred: int = 0  # of them, how many ended in a transfer as not_understood
    channels: dict[str, int] = field(default_factory=dict)
    first_at: float = 0.0
    last_at: float = 0.0
    noise: bool = False  # the turns that name nothing ("bla bla", "[numer]", "yyy"): no KB entry to write

    @property
    def example(self) -> str:
        return self.questions[0][0]

    def to_api(self) -> dict[str, object]:
        return {
            "example": self.example,
            "count": self.count,
            "transferred": self.transferred,
            "channels": self.channels,
            "questions": [{"text": t, "count": n} for t, n in self.questions],
            "first_at": self.first_at,
            "last_at": self.last_at,
            "noise": self.noise,
        }


def normalize(text: str) -> str:
    """The form two wordings are "the same" in: case, spacing and end punctuation ignored."""
    return _SPACES.sub(" ", text).strip().strip("?!.,;: ").casefold()


def reference_center(embed: Embed, questions: Sequence[str]) -> np.ndarray | None:
    """The mean vector of the KB's questions: what every shop question shares, removed before comparing."""
    if not questions:
        return None
    return np.asarray(embed(list(questions)), dtype=np.float32).mean(axis=0)


def cluster(vectors: np.ndarray, threshold: float = DEFAULT_THRESHOLD) -> list[list[int]]:
    """Greedy grouping of unit ``vectors`` taken in order (put the most frequent first): row indexes
    per group, groups in the order they were started."""
    groups: list[list[int]] = []
    sums: list[np.ndarray] = []
    for i, vec in enumerate(vectors):
        best, score = -1, threshold
        for g, total in enumerate(sums):
            norm = float(np.linalg.norm(total))
            sim = float(vec @ total) / norm if norm > 0 else 0.0
            if sim >= score:
                best, score = g, sim
        if best < 0:
            groups.append([i])
            sums.append(vec.astype(np.float64).copy())
        else:
            groups[best].append(i)
            sums[best] += vec
    return groups


@dataclass
class Resolved:
    """Wordings of misses the callers resolved by picking ``entry_id`` when offered: add them to its questions."""

    entry_id: str
    questions: list[tuple[str, int]]  # distinct wordings with how often, most frequent first
    count: int = 0

    def to_api(self) -> dict[str, object]:
        return {
            "entry_id": self.entry_id,
            "count": self.count,
            "questions": [{"text": t, "count": n} for t, n in self.questions],
        }


def resolved_wordings(misses: Sequence[Miss]) -> list[Resolved]:
    """The resolved misses by the entry picked, the most asked entry first (no model needed)."""
    by_entry: dict[str, Counter[str]] = {}
    spelling: dict[str, str] = {}
    for miss in misses:
        key = normalize(miss.text)
        if miss.resolved_as and key:
            by_entry.setdefault(miss.resolved_as, Counter())[key] += 1
            spelling.setdefault(key, miss.text.strip())
    out = [
        Resolved(entry, [(spelling[k], n) for k, n in sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))], c.total())
        for entry, c in by_entry.items()
    ]
    return sorted(out, key=lambda r: (-r.count, r.entry_id))


def group_misses(
    misses: Sequence[Miss], embed: Embed, *, center: np.ndarray | None = None, threshold: float = DEFAULT_THRESHOLD
) -> list[Gap]:
    """The misses grouped by meaning, the largest group first (ties: the most recent first); resolved
    misses are no gaps (``resolved_wordings``). Turns that name nothing ("bla bla", a number read out,
    masked as "[numer]", "yyy no") are one last group marked ``noise``: by meaning they all sit close to
    each other and would make a KB entry of nonsense, yet how many there are says how well callers are
    heard."""
    misses = [m for m in misses if not m.resolved_as and normalize(m.text)]
    noise = [m for m in misses if not has_topic_words(m.said)]
    gaps = _by_meaning([m for m in misses if has_topic_words(m.said)], embed, center, threshold)
    if noise:
        rest = Gap(questions=_wordings(noise), noise=True)
        for miss in noise:
            _count(rest, miss)
        gaps.append(rest)
    return gaps


def _wordings(misses: Sequence[Miss]) -> list[tuple[str, int]]:
    """Distinct wordings (the first spelling seen) with their counts, the most frequent first."""
    spelled: dict[str, str] = {}
    counts: Counter[str] = Counter()
    for miss in misses:
        key = normalize(miss.said)
        spelled.setdefault(key, miss.said.strip())
        counts[key] += 1
    return [(spelled[k], counts[k]) for k in sorted(counts, key=lambda k: (-counts[k], k))]


def _by_meaning(misses: Sequence[Miss], embed: Embed, center: np.ndarray | None, threshold: float) -> list[Gap]:
    wordings = _wordings(misses)
    if not wordings:
        return []
    vectors = np.asarray(embed([text for text, _ in wordings]), dtype=np.float32)
    if center is not None:
        vectors = vectors - center
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
    rows = cluster(vectors, threshold)
    gaps = [Gap(questions=[wordings[i] for i in group]) for group in rows]
    group_of = {normalize(wordings[i][0]): g for g, group in enumerate(rows) for i in group}
    for miss in misses:
        _count(gaps[group_of[normalize(miss.said)]], miss)
    return sorted(gaps, key=lambda g: (-g.count, -g.last_at))


def _count(gap: Gap, miss: Miss) -> None:
    gap.count += 1
    gap.transferred += int(miss.transferred)
    gap.channels[miss.channel] = gap.channels.get(miss.channel, 0) + 1
    gap.first_at = miss.at if not gap.first_at else min(gap.first_at, miss.at)
    gap.last_at = max(gap.last_at, miss.at)


def to_kb_yaml(
    gaps: Sequence[Gap],
    *,
    top: int = 20,
    min_count: int = 2,
    max_questions: int = 10,
    resolved: Sequence[Resolved] = (),
) -> str:
    """New KB entries (``dialog/data/kb.yaml`` format) for the ``top`` groups asked ``min_count`` times or
    more. Each ``answer`` is left empty on purpose: the KB loader refuses an empty answer, so a file
    nobody has completed cannot go live and read a placeholder to callers. ``resolved`` wordings come
    first, as comments: they belong to existing entries, not to new ones."""
    lines = [
        "# Pytania, których asystent nie zrozumiał, pogrupowane według znaczenia (infolinia gaps).",
        "# Wpisz odpowiedź w każdym wpisie (id możesz zmienić), potem dopisz wpisy do swojego kb.yaml.",
        *_resolved_comments(resolved, max_questions),
        "entries:",
    ]
    gaps = [g for g in gaps if not g.noise]  # nothing to write an answer to
    chosen = [g for g in gaps if g.count >= min_count][:top]
    if left_out := sum(1 for g in gaps if g.count < min_count):
        note = (
            f"# Pominięte grupy pytań zadanych mniej niż {min_count} razy: {left_out} (infolinia gaps "
            "--min-count 1 albo ?min_count=1 eksportuje i je)."
        )
        lines.insert(lines.index("entries:"), note)
    seen: set[str] = set()  # the questions' normalised forms, across entries (the loader's duplicate check)
    written = 0
    for n, gap in enumerate(chosen, 1):
        gap_lines, entry = _gap_lines(n, gap, max_questions, seen)
        lines.extend(gap_lines)
        written += entry
    if not written:
        lines[lines.index("entries:")] = "entries: []"
    return "\n".join(lines) + "\n"


def _gap_lines(n: int, gap: Gap, max_questions: int, seen: set[str]) -> tuple[list[str], bool]:
    """The export's lines for one gap, and whether they hold an entry: wordings too long for a question
    are comments (the supervisor still reads them), and a gap left with no question writes no entry."""
    questions, too_long = _loadable(gap, max_questions, seen)
    lines = [f"  # {gap.count}× zapytano, {gap.transferred}× przełączono do konsultanta"]
    if too_long:
        lines.append(f"  # Dłuższe niż {MAX_QUESTION_CHARS} znaków, za długie na pytanie; możesz je skrócić:")
        lines.extend(f"  #   {' '.join(text.split())}" for text in too_long)
    if not questions:
        why = "każde jest za długie" if too_long else "każde jest już pytaniem powyżej albo nie ma w nim słów"
        return [
            *lines,
            f"  # (żadne sformułowanie nie nadaje się tu na nowe pytanie: {why}; napisz własne i dodaj je)",
        ], False
    entry = {"id": f"luka-{n:02d}-{_slug(gap.example)}", "questions": questions, "answer": "", "tags": ["z-luk"]}
    dumped = yaml.safe_dump([entry], allow_unicode=True, sort_keys=False, width=110)
    return [*lines, *("  " + line for line in dumped.rstrip("\n").split("\n"))], True


def _loadable(gap: Gap, max_questions: int, seen: set[str]) -> tuple[list[str], list[str]]:
    """The gap's wordings the KB loader takes as questions, and those too long for one. Why: a chat message
    (up to 2000 characters) kept whole was exported as a question and the loader refuses any over
    ``MAX_QUESTION_CHARS``; two wordings that normalise alike (``textnorm.normalize``: "Zwrot?" and "zwrot")
    are one question to it, refused in two entries, and one with no word at all is refused too. So the
    export, once answered, always loads."""
    questions, too_long = [], []
    for text, _ in gap.questions[:max_questions]:
        if len(text) > MAX_QUESTION_CHARS:
            too_long.append(text)
        elif (form := textnorm.normalize(text)) and form not in seen:
            seen.add(form)
            questions.append(text)
    return questions, too_long


def _resolved_comments(resolved: Sequence[Resolved], max_questions: int) -> list[str]:
    """Wordings to add to existing entries' questions, as comments (the file's entries are new ones)."""
    lines = []
    for r in resolved:
        picked = f"{r.count}× klient wybrał go z podpowiedzi po niezrozumianym pytaniu"
        lines.append(f"# Dopisz do pytań wpisu '{r.entry_id}' ({picked}):")
        lines.extend(f"#   - {' '.join(text.split())}" for text, _ in r.questions[:max_questions])  # one line each
    return lines


def _slug(text: str, words: int = 4, chars: int = MAX_ID_CHARS - len("luka-000-")) -> str:
    """The id's readable part: the first words, cut so the id fits the loader's ``MAX_ID_CHARS`` (four long
    words, or one long run of letters and digits asked twice, made an id it refused: a review)."""
    kept = re.findall(r"[^\W_]+", normalize(text))[:words]
    return "-".join(kept)[:chars].strip("-") or "pytanie"
