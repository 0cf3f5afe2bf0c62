"""Every sentence a caller hears or reads, in one catalogue, for every channel (phone, speaker, chat).

Why one catalogue: wording is reviewed by people who do not read code (legal for the RODO notice,
support leads for tone), and the TTS normaliser is tuned on exactly these sentences. Sentences are
written as they are read: impersonal polite Polish (no "Pan/Pani" guessing), numbers and dates in
digits ("25 listopada", "9,99 zł") for the normaliser. Other modules import constants or call the
small formatting functions below; they never hard-code caller-facing Polish.

Every text here can be replaced by the operator (a prompts YAML file, ``dialog/prompts.py``): the
composition root calls ``configure`` once at start-up, before any text is read. Code therefore reads
``catalogue.NAME`` when it speaks, never ``from dialog.catalogue import NAME`` (that would keep the default).

The texts are written by topic in the modules of this package (``conversation``, ``orders``, ``transfers``,
``channels``, ``warm_transfer``, ``call_edges``), and all of them are imported here: this namespace is the one
catalogue that ``configure`` overrides and that code reads. The topic modules hold the defaults only; code never
imports from them (``tests/unit/dialog/test_prompts.py`` checks both rules).

One catalogue for every channel, but the text chat is read, not heard: where a sentence says "Proszę
powiedzieć…" or "cyfra po cyfrze", its written variant ``NAME_WRITTEN`` (overridable like any text) is what a
chat gets (``worded``, ``clarify(..., written=True)``, ``written_greeting``, ``transfer_line``); the phone's
wording is unchanged. The privacy notice's variant follows the spoken one unless overridden (``follows_spoken``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from types import MappingProxyType

from dialog.ports import Reason, Transfer

# The texts by topic. This order is the order of defaults(), fixed_sentences() and template_openings() (the
# phone gateway renders the fixed sentences in it at start-up): not sorted.
# isort: off
from dialog.catalogue.conversation import *
from dialog.catalogue.orders import *
from dialog.catalogue.transfers import *
from dialog.catalogue.channels import *
from dialog.catalogue.warm_transfer import *
from dialog.catalogue.call_edges import *

# isort: on

_MONTHS = (
    "stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca",
    "lipca", "sierpnia", "września", "października", "listopada", "grudnia",
)  # fmt: skip


_WRITTEN_CHANNELS = frozenset({"chat"})  # read on a screen; phone, speaker and voice devices are heard
# Written variants that, not overridden themselves, read as the spoken text as the operator configured it: the
# privacy notice is legal text, and a notice overridden for the phone only must not leave the chat the shipped one.
_FOLLOWS_SPOKEN = frozenset({"RODO_NOTICE_WRITTEN"})


def written(channel: str) -> bool:
    """Whether ``channel`` shows the replies as text (the chat), so it gets the ``_WRITTEN`` variants."""
    return channel in _WRITTEN_CHANNELS


def worded(name: str, channel: str) -> str:
    """The text ``name`` ("KB_OTHER_WORDS") as ``channel`` gets it: ``NAME_WRITTEN`` on a written channel
    where the catalogue has one ("Proszę napisać…"), else the text itself ("Proszę powiedzieć…").

    Why by name: both variants are overridable texts read at call time, and one call site serves every channel.
    """
    module = globals()
    text = module.get(f"{name}_WRITTEN") if written(channel) else None
    text = module[name] if text is None else text
    if not isinstance(text, str):
        raise TypeError(f"{name} is not a single text")
    return text


def follows_spoken(name: str) -> bool:
    """Whether ``name``'s written variant is its spoken text unless a prompts file gives the variant too."""
    return f"{name}_WRITTEN" in _FOLLOWS_SPOKEN


def transfer_line(reason: Reason, channel: str, angry: bool = False) -> str:
    """What the bot says as it hands the conversation to a person for ``reason`` (``angry``: first, with an
    apology instead of the 112 advice): the phone's "Łączę…, proszę chwilę poczekać", or on a written channel
    the chat's "Przekazuję rozmowę konsultantowi" (the chat adds the wait and where the agent answers)."""
    if angry:
        return worded("ANGRY_TRANSFER", channel)
    return (TRANSFER_WRITTEN if written(channel) else TRANSFER)[reason]


def refused(text: str, transfer: Transfer | None) -> str:
    """``text`` (why nobody takes the conversation from here: a device, a speaker, a chat nobody staffs) as
    said instead of the hand-off ``transfer``: an emergency hears the emergency number first (nobody is going
    to take it from here), a caller angry alone the apology the transfer line opens with (a device said
    "Stąd nie mogę połączyć…" and nothing else to a caller the phone and the chat apologise to)."""
    if transfer is not None and transfer.emergency:  # then what the KB says to do now ("zablokować kartę SIM")
        return " ".join(t for t in (EMERGENCY_ADVICE, transfer.answer, text) if t)
    if transfer is not None and transfer.angry:
        return f"{ANGRY_APOLOGY} {text}"
    return text


def clarify(misses: int, examples: list[str], written: bool = False) -> str:
    """The re-prompt after the ``misses``-th turn in a row not understood (1 = the first), suggesting
    ``examples``: questions this hotline answers, not a shop's when the KB is an office's. ``written``:
    the chat's wording ("Proszę napisać…")."""
    texts = CLARIFY_WRITTEN if written else CLARIFY
    text = texts[min(max(misses, 1), len(texts)) - 1]
    if "{examples}" in text and not examples:
        return CLARIFY_NO_EXAMPLES_WRITTEN if written else CLARIFY_NO_EXAMPLES
    return text.format(examples=f" {EXAMPLES_OR} ".join(examples))


def spoken_date(day: date, today: date | None = None) -> str:
    """'25 listopada' (the year only when it is not this year): how a person says a delivery date."""
    text = f"{day.day} {_MONTHS[day.month - 1]}"
    return text if today is not None and today.year == day.year else f"{text} {day.year}"


def minutes_phrase(n: int) -> str:
    """'1 minuta', '3 minuty', '5 minut', '22 minuty': Polish plural agreement for the wait estimate."""
    n = max(1, n)
    if n == 1:
        return "1 minuta"
    if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        return f"{n} minuty"
    return f"{n} minut"


def shop_phrase(brand: str | None) -> str:
    """The operator as the greeting names it ("Sklep Demo"); "" without a brand (``greeting`` then
    says GREETING_NO_BRAND rather than a made-up or demo name)."""
    return SHOP_NAME_PHRASE.format(brand=brand) if brand else ""


def greeting(shop: str, phone: bool = False) -> str:
    """Opening line (automated-assistant and RODO notice); on the phone also how to reach a human.
    ``shop``: the shop phrase (``shop_phrase(brand)``); empty = no brand configured."""
    opening = GREETING.format(shop=shop) if shop else GREETING_NO_BRAND
    parts = [opening, RODO_NOTICE, DTMF_HINT if phone else "", HOW_CAN_I_HELP]
    return " ".join(p for p in parts if p)


def written_welcome(brand: str | None) -> str:
    """The text chat's welcome ("Dzień dobry, tu Zielony Ogród. Na czacie odpowiada automatyczny asystent."):
    the brand as written; without one GREETING_NO_BRAND_WRITTEN, unless the operator's greeting_written names
    the office itself (no ``{brand}``)."""
    if brand or "{brand}" not in GREETING_WRITTEN:
        return GREETING_WRITTEN.format(brand=brand or "")
    return GREETING_NO_BRAND_WRITTEN


def written_greeting(brand: str | None, notice: bool = True) -> str:
    """The text chat's opening: the welcome, the RODO notice (``notice``; a chat widget that shows the notice
    apart asks without it) and "W czym mogę pomóc?". No DTMF hint: nothing to press in a chat."""
    parts = [written_welcome(brand), RODO_NOTICE_WRITTEN if notice else "", HOW_CAN_I_HELP]
    return " ".join(p for p in parts if p)


def hold_wait(minutes: int) -> str:
    return HOLD_WAIT.format(minutes=minutes_phrase(minutes))


def fixed_sentences() -> list[str]:
    """Every complete caller-facing text that has no placeholder, in catalogue order.

    Why: these are said verbatim, so a channel may render them ahead of time (the phone gateway keeps
    their audio ready, dialog never needs to know). Fragments ("około minuty") and templates are left out.
    """
    return list(dict.fromkeys(t for t in _texts() if "{" not in t and t.rstrip().endswith((".", "?", "!"))))


def template_openings(min_words: int = 2) -> list[str]:
    """The fixed words a template's first sentence starts with, before its first placeholder, in
    catalogue order: "Zamówienie numer" of "Zamówienie numer {order_id} zostało wysłane.".

    Why: a reply built from a template cannot be rendered ahead, but its opening can; a channel plays
    the opening at once and renders the rest meanwhile. Openings shorter than ``min_words`` words (too
    short to hide a rendering) or holding a sentence end (the template's first sentence is fixed text,
    pre-rendered as such) are left out.
    """
    openings = (t[: t.index("{")].strip() for t in _texts() if "{" in t)
    return list(dict.fromkeys(o for o in openings if len(o.split()) >= min_words and not any(m in o for m in ".?!")))


def _texts() -> Iterator[str]:
    """Every spoken caller-facing text as configured now, in catalogue order (groups and lists unpacked); the
    ``_WRITTEN`` variants are only ever read on a screen, so no voice renders them ahead."""
    for name, value in list(globals().items()):
        if name.startswith("_") or not name.isupper() or name.endswith("_WRITTEN"):
            continue
        items = value.values() if isinstance(value, Mapping) else value if isinstance(value, tuple) else (value,)
        yield from (text for text in items if isinstance(text, str))


# --- operator overrides (dialog/prompts.py validates them; the composition root applies them) ------------
Text = str | tuple[str, ...] | Mapping[str, str]


def _is_text(value: object) -> bool:
    if isinstance(value, str):
        return True
    if isinstance(value, tuple):
        return all(isinstance(v, str) for v in value)
    return isinstance(value, Mapping) and all(isinstance(v, str) for v in value.values())


_DEFAULTS: dict[str, Text] = {
    name: value for name, value in globals().items() if name.isupper() and not name.startswith("_") and _is_text(value)
}


def defaults() -> Mapping[str, Text]:
    """Every overridable text by its constant name, as shipped (what a prompts file may replace)."""
    return MappingProxyType(_DEFAULTS)


def configure(overrides: Mapping[str, Text]) -> None:
    """Set the texts of this process: the defaults, with ``overrides`` (validated by ``dialog.prompts``)
    on top; a mapping override replaces only the keys it gives. ``configure({})`` restores the defaults.

    Why process-wide: one process serves one shop, and every channel (webhook fallbacks from the first
    second, the engine, transfers, speakers) must say the same overridden sentence; called once at start-up.
    """
    unknown = sorted(set(overrides) - set(_DEFAULTS))
    if unknown:
        raise KeyError(f"not catalogue texts: {', '.join(unknown)}")
    module = globals()
    for name, default in _DEFAULTS.items():
        value = overrides.get(name, default)
        if isinstance(default, Mapping) and isinstance(value, Mapping):
            value = {**default, **value}
        module[name] = value
    for name in _FOLLOWS_SPOKEN - set(overrides):
        module[name] = module[name.removesuffix("_WRITTEN")]
