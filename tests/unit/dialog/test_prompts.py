"""The operator's prompts file: validation (one line naming file and key), the brand's precedence, and the
catalogue as the single source of every overridden text (the engine, pre-rendering and the edges read it)."""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from dialog import catalogue
from dialog.factory import bundled
from dialog.ports import Transfer
from dialog.prompts import (
    Prompts,
    PromptsError,
    greeting_half_overridden,
    load_prompts,
    parse_prompts,
    resolve_brand,
    written_left_default,
)
from tests.support.paths import REPO_ROOT


@pytest.fixture(autouse=True)
def restore_catalogue() -> Iterator[None]:
    yield
    catalogue.configure({})


def write(tmp_path: Path, text: str, name: str = "prompts.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error(tmp_path: Path, text: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(PromptsError) as exc:
        load_prompts(path)
    message = str(exc.value)
    assert "\n" not in message and message.startswith(f"{path}: ")
    return message


def test_a_valid_file_overrides_texts_groups_and_lists(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
brand: "  Zielony Ogród "
prompts:
  greeting: >-
    Dzień dobry, mówi wirtualny doradca {shop}.
  goodbye: Dziękujemy za telefon do Zielonego Ogrodu. Do widzenia!
  transfer:
    complaint: Rozumiem, reklamacja. Łączę z działem reklamacji.
  clarify: ["Nie zrozumiałem, proszę powtórzyć.", "Proszę opisać sprawę krócej."]
""",
    )
    prompts = load_prompts(path)
    assert prompts.brand == "Zielony Ogród" and prompts.path == path
    assert prompts.texts["GREETING"] == "Dzień dobry, mówi wirtualny doradca {shop}."
    assert prompts.texts["TRANSFER"] == {"complaint": "Rozumiem, reklamacja. Łączę z działem reklamacji."}
    assert prompts.texts["CLARIFY"] == ("Nie zrozumiałem, proszę powtórzyć.", "Proszę opisać sprawę krócej.")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("prompts:\n  greting: Dzień dobry {shop}.\n", "prompts.greting: unknown key (did you mean 'greeting'?)"),
        ("prompts:\n  GREETING: Dzień dobry {shop}.\n", "prompts.GREETING: unknown key (did you mean 'greeting'?)"),
        ("brandd: X\n", "brandd: unknown key (did you mean 'brand'?)"),
        (  # what {shop} stands for (a water utility's walkthrough wrote its name in and was told only "needs {shop}")
            "prompts:\n  greeting: Dzień dobry, tu Wodociągi Miejskie.\n",
            "prompts.greeting: missing placeholder {shop} (this text needs {shop}: your name as shop_name_phrase "
            "words it, by default the brand as written)",
        ),
        (  # an office writing the brand's placeholder where the greeting takes the phrase built from it
            "prompts:\n  greeting: Dzień dobry, tu {brand}.\n",
            "prompts.greeting: unknown placeholder {brand}: write {shop} instead (this text needs {shop})",
        ),
        ("prompts:\n  goodbye: Do widzenia {name}.\n", "prompts.goodbye: unknown placeholder {name} (allowed: none)"),
        ("prompts:\n  hold_wait: Czekaj {minutes} {shop}.\n", "prompts.hold_wait: unknown placeholder {shop}"),
        ("prompts:\n  greeting: Dzień dobry {shop.\n", "prompts.greeting: malformed placeholder"),
        ("prompts:\n  greeting: Dzień dobry {0}.\n", "prompts.greeting: malformed placeholder {0}"),
        # parsed by str.format but failing (or padding to megabytes) only when said, mid-call (fifth hostile probe)
        ("prompts:\n  hold_wait: Czekaj {minutes:d}.\n", "hold_wait: placeholder {minutes:d}: write it as {minutes}"),
        ("prompts:\n  hold_wait: Czekaj {minutes!x}.\n", "prompts.hold_wait: placeholder {minutes!x}: write it as"),
        ("prompts:\n  hold_wait: Czekaj {minutes:>99999999}.\n", "placeholder {minutes:>99999999}: write it as"),
        ("prompts:\n  hold_wait: Czekaj {minutes:{shop}}.\n", "placeholder {minutes:{shop}}: write it as {minutes}"),
        ("prompts:\n  goodbye: ''\n", "prompts.goodbye: expected non-empty text"),
        ("prompts:\n  goodbye: " + "Do widzenia. " * 80 + "\n", "prompts.goodbye: at most 1000 characters"),
        ("prompts:\n  goodbye: [a, b]\n", "prompts.goodbye: expected non-empty text"),
        ("prompts:\n  clarify: [jedno]\n", "prompts.clarify: expected a list of 2 texts"),
        ("prompts:\n  transfer:\n    skarga: Łączę.\n", "prompts.transfer.skarga: unknown key"),
        (
            "prompts:\n  order_status:\n    shipped: Wysłane.\n",
            "prompts.order_status.shipped: missing placeholder {order_id}",
        ),
        ("brand: ''\n", "brand: expected the shop's name as non-empty text"),
        ("- a\n- b\n", "expected a mapping with 'brand:' and/or 'prompts:'"),
        ("prompts: [greeting]\n", "prompts: expected a mapping of catalogue texts by name"),
        ("prompts: {greeting: [unclosed\n", "not valid YAML"),
    ],
)
def test_every_problem_is_one_line_naming_file_and_key(tmp_path: Path, text: str, expected: str) -> None:
    assert expected in error(tmp_path, text)


def test_a_list_text_given_as_one_sentence_shows_the_list_it_replaces(tmp_path: Path) -> None:
    """An office wrote `clarify: "Nie rozumiem, proszę powtórzyć."` (the README says only that an override may
    leave {examples} out) and was told "expected a list of 2 texts": which two, and how written, it did not say."""
    message = error(tmp_path, 'prompts:\n  clarify: "Nie rozumiem, proszę powtórzyć."\n')
    assert "prompts.clarify: expected a list of 2 texts" in message
    assert "each on its own line starting with '- '" in message
    assert "1. „Przepraszam, nie zrozumiałem." in message and "2. „Nadal nie jestem pewien" in message


def test_a_missing_file_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(PromptsError, match="cannot read the prompts file: No such file or directory"):
        load_prompts(tmp_path / "nope.yaml")


def test_an_empty_file_changes_nothing() -> None:
    assert parse_prompts(None, "x") == Prompts()


def test_brand_precedence_setting_then_prompts_then_kb(tmp_path: Path) -> None:
    kb = write(tmp_path, "brand: Księgarnia Kowalski\nentries: []\n", "kb.yaml")
    from_file = Prompts(brand="Zielony Ogród")
    assert resolve_brand("Sklep Ustawień", from_file, kb).name == "Sklep Ustawień"
    assert resolve_brand(None, from_file, kb).source == "prompts file"
    assert resolve_brand(None, Prompts(), kb).name == "Księgarnia Kowalski"
    assert resolve_brand(None, Prompts(), bundled("kb.yaml")).name == "Sklep Demo"  # the demo KB says so
    unbranded = write(tmp_path, "entries: []\n", "own.yaml")
    assert resolve_brand(None, Prompts(), unbranded).name is None


def test_greeting_names_the_brand_or_no_shop_never_the_demo() -> None:
    assert catalogue.greeting(catalogue.shop_phrase("Sklep Demo")).startswith(
        "Dzień dobry, tu Sklep Demo. Odbiera automatyczny asystent. Dane osobowe"
    )
    own = catalogue.greeting(catalogue.shop_phrase(None), phone=True)
    assert "Sklep Demo" not in own and own.startswith(catalogue.GREETING_NO_BRAND)
    assert catalogue.DTMF_HINT in own and catalogue.RODO_NOTICE in own


def test_configure_replaces_texts_where_every_reader_sees_them(tmp_path: Path) -> None:
    prompts = load_prompts(
        write(
            tmp_path,
            """
prompts:
  greeting: Dzień dobry, tu automatyczny asystent {shop}.
  shop_name_phrase: księgarni {brand}
  rodo_notice: Administratorem danych jest Kowalski sp. z o.o.
  goodbye: Dziękujemy, do usłyszenia!
  order_status: {shipped: "Paczka {order_id} jest w drodze."}
""",
        )
    )
    catalogue.configure(prompts.texts)
    text = catalogue.greeting(catalogue.shop_phrase("Kowalski"))
    assert text.startswith("Dzień dobry, tu automatyczny asystent księgarni Kowalski. Administratorem danych")
    assert catalogue.ORDER_STATUS["shipped"] == "Paczka {order_id} jest w drodze."
    assert catalogue.ORDER_STATUS["paid"].startswith("Zamówienie numer {order_id} jest opłacone")  # kept
    fixed = catalogue.fixed_sentences()  # what the channels pre-render
    assert "Dziękujemy, do usłyszenia!" in fixed and "Dziękuję za rozmowę. Do widzenia!" not in fixed
    catalogue.configure({})
    assert catalogue.GOODBYE == "Dziękuję za rozmowę. Do widzenia!"
    with pytest.raises(KeyError):
        catalogue.configure({"NOT_A_TEXT": "x"})


def test_template_openings_are_the_fixed_words_before_a_placeholder_as_configured() -> None:
    """What a voice renders ahead for replies built from templates (voice.tts.PiperSynthesizer)."""
    openings = catalogue.template_openings()
    assert {"Zamówienie numer", "Nie znalazłem zamówienia numer", "Czy chodzi o zamówienie numer"} <= set(openings)
    assert all("{" not in o and len(o.split()) >= 2 for o in openings)
    assert "Dobrze. Konsultant oddzwoni pod numer" not in openings  # holds a fixed sentence: pre-rendered as one
    assert "Konsultant" not in openings  # one word before a placeholder hides no rendering
    catalogue.configure({"ORDER_STATUS": {"shipped": "Paczka o numerze {order_id} jest w drodze."}})
    assert "Paczka o numerze" in catalogue.template_openings()  # the operator's wording, not the default


def test_no_product_module_keeps_a_catalogue_text_from_import_time() -> None:
    """``from dialog.catalogue import GOODBYE`` would keep the default after ``configure``; so would any import
    from a topic module (``dialog.catalogue.orders``: it holds the defaults only)."""
    texts = set(catalogue.defaults())
    offenders = []
    for package in ("dialog", "telephony", "voice"):
        for path in (REPO_ROOT / package).rglob("*.py"):
            inside = path.parent == REPO_ROOT / "dialog" / "catalogue"
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.ImportFrom):
                    continue
                if node.module == "dialog.catalogue":
                    offenders += [f"{path.name}: {a.name}" for a in node.names if a.name in texts]
                elif (node.module or "").startswith("dialog.catalogue.") and not inside:
                    offenders.append(f"{path.name}: from {node.module}")
    assert offenders == []


def test_every_text_written_by_topic_is_in_the_one_overridable_catalogue() -> None:
    """A text in a topic module that the package did not import would be said, but never overridden."""
    topics = sorted((REPO_ROOT / "dialog" / "catalogue").glob("[!_]*.py"))
    assert len(topics) >= 6
    seen: dict[str, str] = {}
    for path in topics:
        module = importlib.import_module(f"dialog.catalogue.{path.stem}")
        for name, value in vars(module).items():
            if name.isupper() and not name.startswith("_"):
                assert name not in seen, f"{name} in both {seen[name]} and {path.stem}"
                seen[name] = path.stem
                assert catalogue.defaults()[name] == value
    assert set(seen) == set(catalogue.defaults())


def test_a_greeting_overridden_by_halves_is_named() -> None:
    """A review: a prompts file written for the old genitive greeting that overrides only one half now reads
    "tu księgarni Kowalski"; check and start-up say so."""
    assert greeting_half_overridden({}) is None
    assert greeting_half_overridden({"GREETING": "a {shop}", "SHOP_NAME_PHRASE": "sklepu {brand}"}) is None
    half = greeting_half_overridden({"SHOP_NAME_PHRASE": "księgarni {brand}"})
    assert half is not None and half.startswith("prompts override shop_name_phrase but not greeting")
    genitive = {"GREETING": "Dzień dobry, tu automatyczny asystent {shop}."}  # written for "sklepu {brand}"
    assert "greeting but not shop_name_phrase" in (greeting_half_overridden(genitive) or "")
    assert greeting_half_overridden({"GREETING": "Dzień dobry, tu {shop}. W czym mogę pomóc?"}) is None


def test_the_angry_transfer_and_the_apology_are_each_overridden_on_its_own(tmp_path: Path) -> None:
    """The phone's and chat's hand-off of an angry caller (``angry_transfer``) and the apology a device says
    where nobody can take over (``angry_apology``) are two texts: the shipped apology is the words the shipped
    transfer opens with, but an operator who rewords one is not made to reword the other (a test compared
    them), and nothing warns about the one left as shipped."""
    angry = Transfer(queue="obsluga", reason="urgent", priority=10, summary="", angry=True)
    shipped_transfer, shipped_apology = catalogue.ANGRY_TRANSFER, catalogue.ANGRY_APOLOGY
    transfer_only = "angry_transfer: Przykro nam z powodu kłopotu. Łączę z konsultantem poza kolejnością.\n"
    written = "angry_transfer_written: Przykro nam z powodu kłopotu. Przekazuję rozmowę konsultantowi.\n"
    prompts = load_prompts(write(tmp_path, f"prompts:\n  {transfer_only}  {written}"))
    assert greeting_half_overridden(prompts.texts) is None and written_left_default(prompts.texts) is None
    catalogue.configure(prompts.texts)
    assert catalogue.transfer_line("urgent", "phone", angry=True).startswith("Przykro nam z powodu kłopotu.")
    assert catalogue.refused("Stąd nie mogę połączyć.", angry) == f"{shipped_apology} Stąd nie mogę połączyć."

    prompts = load_prompts(write(tmp_path, "prompts:\n  angry_apology: Przykro nam z powodu kłopotu.\n"))
    assert written_left_default(prompts.texts) is None
    catalogue.configure(prompts.texts)
    own = catalogue.refused("Stąd nie mogę połączyć.", angry)
    assert own == "Przykro nam z powodu kłopotu. Stąd nie mogę połączyć."
    assert catalogue.transfer_line("urgent", "phone", angry=True) == shipped_transfer
    assert catalogue.ANGRY_APOLOGY in catalogue.fixed_sentences()  # the phone still renders it ahead
