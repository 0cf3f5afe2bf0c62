"""The operator's wording: a prompts YAML file that replaces catalogue texts, and the shop's brand.

File format (every key optional)::

    brand: Zielony Ogród                      # the operator's name, said in the greeting
    prompts:                                  # catalogue texts by their name in lower case
      greeting: "Dzień dobry, tu {shop}. Odbiera automatyczny asystent."
      rodo_notice: "Administratorem danych jest Zielony Ogród sp. z o.o. ..."
      goodbye: "Dziękujemy za telefon do Zielonego Ogrodu. Do widzenia!"
      transfer:                               # a group replaces only the keys it gives
        complaint: "Rozumiem, reklamacja. Łączę z działem reklamacji."
      clarify: ["...", "..."]                 # a list keeps its length

Why validated as a whole at start-up: a typo in a key would silently keep the default, and a missing or
extra ``{placeholder}`` would only fail (or read out braces) in the middle of a call. Each problem is one
line naming the file and the key (``PromptsError``, a ``ValueError``: the CLI prints it without a traceback).

The brand comes from, in order: the setting ``INFOLINIA_BRAND_NAME``, the prompts file's ``brand:``, the
knowledge base's optional top-level ``brand:`` (beside ``entries:``; the bundled demo KB says "Sklep Demo").
Without any, the greeting names no brand (``catalogue.GREETING_NO_BRAND``), never the demo's name.
"""

from __future__ import annotations

import difflib
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from dialog import catalogue
from dialog.catalogue import Text
from dialog.yaml_errors import describe_not_utf8, describe_yaml_error

TOP_LEVEL = ("brand", "prompts")
OPTIONAL = frozenset({"examples"})  # placeholders an override may leave out (CLARIFY without the KB's examples)
# ... and of one text only: the chat's welcome may name the office itself, inflected ("Witamy w Urzędzie Gminy").
# ... and the closed chat's next opening, added later: an override written before it keeps working as written.
OPTIONAL_IN: Mapping[str, frozenset[str]] = {
    "GREETING_WRITTEN": frozenset({"brand"}),
    "CHAT_UNAVAILABLE_CLOSED": frozenset({"when"}),
}
MAX_BRAND_CHARS = 80
# What the placeholders an operator meets first stand for, said with "missing placeholder": a water utility's
# walkthrough wrote its name into the greeting and was told only "this text needs {shop}".
MEANINGS: Mapping[str, str] = {
    "shop": ": your name as shop_name_phrase words it, by default the brand as written",
    "brand": ": your name, from brand: or INFOLINIA_BRAND_NAME",
}
MAX_TEXT_CHARS = 1000  # one caller-facing text (the fifth hostile probe: a 1 MB greeting passed)
# A *_WRITTEN text is shown in the chat, not spoken: a full GDPR clause (rodo_notice_written) often runs 1500+.
MAX_WRITTEN_CHARS = 4000


class PromptsError(ValueError):
    """A prompts file (or brand) that cannot be used; the message is one line naming file and key."""


@dataclass(frozen=True)
class Prompts:
    """A validated prompts file: catalogue names (upper case) -> the operator's texts."""

    texts: Mapping[str, Text] = field(default_factory=dict)
    brand: str | None = None
    path: Path | None = None


@dataclass(frozen=True)
class Brand:
    """The shop's name and where it came from (shown by ``infolinia check``)."""

    name: str | None
    source: str  # "INFOLINIA_BRAND_NAME", "prompts file", "knowledge base", or "none"


def load_prompts(path: Path) -> Prompts:
    """Read and validate a prompts file; raises PromptsError (one line: file and key)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise PromptsError(describe_not_utf8(path, exc)) from None
    except OSError as exc:  # a missing file too: "No such file or directory"
        raise PromptsError(f"{path}: cannot read the prompts file: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise PromptsError(describe_yaml_error(path, exc)) from None
    return parse_prompts(data, str(path), path)


def parse_prompts(data: Any, source: str, path: Path | None = None) -> Prompts:
    """Validate the YAML document ``data`` (``source`` names it in errors)."""
    if data is None:
        return Prompts(path=path)
    if not isinstance(data, dict):
        raise PromptsError(f"{source}: expected a mapping with 'brand:' and/or 'prompts:'")
    for key in data:
        if key not in TOP_LEVEL:
            raise PromptsError(f"{source}: {key}: unknown key{_suggest(str(key), TOP_LEVEL)} (allowed: brand, prompts)")
    brand = check_brand(data.get("brand"), f"{source}: brand") if "brand" in data else None
    raw = data.get("prompts") or {}
    if not isinstance(raw, dict):
        raise PromptsError(f"{source}: prompts: expected a mapping of catalogue texts by name")
    defaults = catalogue.defaults()
    known = [name.lower() for name in defaults]
    texts: dict[str, Text] = {}
    for key, value in raw.items():
        name = str(key).upper()
        if str(key) != str(key).lower() or name not in defaults:
            raise PromptsError(f"{source}: prompts.{key}: unknown key{_suggest(str(key).lower(), known)}")
        optional = OPTIONAL | OPTIONAL_IN.get(name, frozenset())
        limit = MAX_WRITTEN_CHARS if name.endswith("_WRITTEN") else MAX_TEXT_CHARS
        texts[name] = _check_text(value, defaults[name], f"{source}: prompts.{key}", optional, limit)
    return Prompts(texts=texts, brand=brand, path=path)


def check_brand(value: Any, where: str) -> str:
    """A brand is one short line of text (it is said aloud in every greeting)."""
    if not isinstance(value, str) or not value.strip():
        raise PromptsError(f"{where}: expected the shop's name as non-empty text")
    if "\n" in value.strip() or len(value.strip()) > MAX_BRAND_CHARS:
        raise PromptsError(f"{where}: expected one line of at most {MAX_BRAND_CHARS} characters")
    return value.strip()


def kb_brand(kb_path: Path) -> str | None:
    """The knowledge base's optional top-level ``brand:`` (the KB loader ignores keys beside ``entries:``)."""
    try:
        data = yaml.safe_load(kb_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None  # the KB loader reports an unreadable KB with its own, better message
    if not isinstance(data, dict) or data.get("brand") is None:
        return None
    return check_brand(data["brand"], f"{kb_path}: brand")


def resolve_brand(setting: str | None, prompts: Prompts, kb_path: Path) -> Brand:
    """The brand by precedence: the setting, the prompts file, the knowledge base; else none."""
    if setting and setting.strip():
        return Brand(check_brand(setting, "INFOLINIA_BRAND_NAME"), "INFOLINIA_BRAND_NAME")
    if prompts.brand:
        return Brand(prompts.brand, "prompts file")
    from_kb = kb_brand(kb_path)
    return Brand(from_kb, "knowledge base") if from_kb else Brand(None, "none")


def placeholders(text: str, where: str = "text") -> set[str]:
    """The ``{names}`` a template uses; PromptsError for a malformed one ("{shop", "{0}", "{}")."""
    try:
        fields = [(name, spec, conv) for _, name, spec, conv in string.Formatter().parse(text) if name is not None]
    except ValueError as exc:
        raise PromptsError(f"{where}: malformed placeholder ({exc}); write a literal brace as {{{{ or }}}}") from None
    bad = sorted(n for n, _, _ in fields if not n.isidentifier())
    if bad:
        raise PromptsError(f"{where}: malformed placeholder {{{bad[0]}}}: placeholders are names like {{shop}}")
    # "{minutes:d}", "{shop!x}", "{shop:>99999}": parsed, but failing (or padding a sentence to megabytes) only
    # when the text is said, mid-call. The values are ready-made words: a placeholder is the bare name.
    for name, spec, conv in fields:
        if spec or conv:
            shown = name + (f"!{conv}" if conv else "") + (f":{spec}" if spec else "")
            raise PromptsError(f"{where}: placeholder {{{shown}}}: write it as {{{name}}} (no format or conversion)")
    return {name for name, _, _ in fields}


def _check_text(
    value: Any, default: Text, where: str, optional: frozenset[str] = OPTIONAL, limit: int = MAX_TEXT_CHARS
) -> Text:
    if isinstance(default, str):
        return _check_string(value, default, where, optional, limit)
    if isinstance(default, tuple):
        if not isinstance(value, list) or len(value) != len(default):
            raise PromptsError(f"{where}: expected a list of {len(default)} texts{_shipped_list(default)}")
        pairs = enumerate(zip(value, default, strict=True))
        return tuple(_check_string(v, d, f"{where}[{i}]", optional, limit) for i, (v, d) in pairs)
    if not isinstance(value, dict):
        raise PromptsError(f"{where}: expected a mapping with some of: {', '.join(default)}")
    out: dict[str, str] = {}
    for key, text in value.items():
        if str(key) not in default:
            raise PromptsError(f"{where}.{key}: unknown key{_suggest(str(key), list(default))}")
        out[str(key)] = _check_string(text, default[str(key)], f"{where}.{key}", optional, limit)
    return out


def _shipped_list(default: tuple[str, ...]) -> str:
    """What a list text replaces, in order: an office that wrote one sentence for `clarify` was told only
    "expected a list of 2 texts", and neither which two (the first miss, the second) nor how a list is written."""
    shown = " ".join(f"{i}. „{text[:50]}{'…' if len(text) > 50 else ''}”" for i, text in enumerate(default, 1))
    return f", each on its own line starting with '- ', replacing in order: {shown}"


def _tidy(value: str, written: bool) -> str:
    """Single spaces; a spoken text is one line (YAML folded lines: one sentence), a written one keeps its line
    breaks (a privacy clause's paragraphs: administrator, purposes, rights; a review saw one wall of text)."""
    if not written:
        return " ".join(value.split())
    return "\n".join(" ".join(line.split()) for line in value.strip().splitlines() if line.strip())


def _check_string(
    value: Any, default: str, where: str, optional: frozenset[str] = OPTIONAL, limit: int = MAX_TEXT_CHARS
) -> str:
    if not isinstance(value, str) or not value.strip():
        raise PromptsError(f"{where}: expected non-empty text")
    text = _tidy(value, written=limit == MAX_WRITTEN_CHARS)
    if len(text) > limit:  # said (or shown) on every call, rendered at start-up: a pasted document is a mistake
        if limit == MAX_WRITTEN_CHARS:
            raise PromptsError(
                f"{where}: at most {limit} characters; shorten it and link the full text (e.g. your privacy policy's "
                "address on your website)"
            )
        raise PromptsError(f"{where}: at most {limit} characters (the longest shipped text has under 200)")
    expected, got = placeholders(default, where), placeholders(text, where)
    missing, extra = sorted(expected - got - optional), sorted(got - expected)
    if missing and extra:  # one swapped for another ("tu {brand}" where the greeting takes {shop})
        needs = _names(expected)
        raise PromptsError(
            f"{where}: unknown placeholder {{{extra[0]}}}: write {{{missing[0]}}} instead (this text needs {needs})"
        )
    if missing:
        meaning = MEANINGS.get(missing[0], "")
        raise PromptsError(
            f"{where}: missing placeholder {{{missing[0]}}} (this text needs {_names(expected)}{meaning})"
        )
    if extra:
        allowed = _names(expected) if expected else "none"
        raise PromptsError(f"{where}: unknown placeholder {{{extra[0]}}} (allowed: {allowed})")
    return text


def _names(names: set[str]) -> str:
    return ", ".join(f"{{{n}}}" for n in sorted(names))


def _suggest(key: str, known: Any) -> str:
    close = difflib.get_close_matches(key, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def written_left_default(texts: Mapping[str, Any]) -> str | None:
    """Why the text chat may read other words than the phone says: the prompts override a text that has a
    written variant (``clarify`` and ``clarify_written``) but not the variant, which the chat keeps as shipped.
    None when every such text is overridden with its variant. The greeting is left out: the chat's welcome
    already names the brand (``greeting_written``), whatever the phone greeting's wording."""
    names = [
        name.lower()
        for name in texts
        if f"{name}_WRITTEN" in catalogue.defaults()
        and f"{name}_WRITTEN" not in texts
        and name != "GREETING"
        and not catalogue.follows_spoken(name)  # the chat reads the operator's text itself (the privacy notice)
    ]
    if not names:
        return None
    variants = ", ".join(f"{n}_written" for n in names)
    return (
        f"prompts override {', '.join(names)} but not {variants}: the text chat keeps the default written "
        f"wording ('Proszę napisać…'); override both"
    )


def greeting_half_overridden(texts: Mapping[str, Any]) -> str | None:
    """Why the greeting may read badly when a prompts file overrides only one of ``greeting`` and
    ``shop_name_phrase``: the default greeting names the brand as written ("tu Zielony Ogród"), so a
    genitive phrase alone gives "tu księgarni Kowalski" and a genitive greeting alone "asystent Kowalski"
    (prompts files written for the old genitive default). None when both or neither are overridden, or when
    the greeting does not put ``{shop}`` after "asystent"."""
    if ("GREETING" in texts) == ("SHOP_NAME_PHRASE" in texts):
        return None
    greeting = str(texts.get("GREETING", ""))
    if "GREETING" in texts and not re.search(r"asystent\w*\s+\{shop\}", greeting):
        return None  # "Dzień dobry, tu {shop}." reads right with the default phrase (the brand as written)
    given, missing = ("greeting", "shop_name_phrase") if "GREETING" in texts else ("shop_name_phrase", "greeting")
    return (
        f"prompts override {given} but not {missing}: the default greeting says the brand as written "
        f"('Dzień dobry, tu Zielony Ogród. Odbiera automatyczny asystent.'); override both, or neither"
    )
