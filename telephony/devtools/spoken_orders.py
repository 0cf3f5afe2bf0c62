"""``infolinia bench spoken-orders``: order numbers said digit by digit, as the dialog reads them from the
recognizer (issue 11 item 6, issue 17).

Why: a spoken order number is the turn where a misheard word costs most (the order is "not found" or the
call is handed over). The callers are the mixed bench's (``workload.spoken_number``: the shared set's digit
recordings spliced with 100 ms margins, 8 kHz μ-law); each number goes straight to the recognizer with the
KB's hotwords, with and without the lexicon rescoring, and the dialog's own parser reads the best hypothesis
or, failing that, the first of the n-best that has a number (as ``DialogEngine.handle_nbest`` does when
the bot asked for the number).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from pathlib import Path

from dialog.numbers import extract_order_number
from telephony.app.services import build_recognizer
from telephony.devtools.workload import load_recordings, spoken_number, write_many_orders
from telephony.settings import Settings
from voice.ports import Recognizer, Transcript


def order_read(transcript: Transcript) -> str | None:
    """The order number the dialog would take from this turn: the best hypothesis first, then the others."""
    for text in (transcript.text, *(a for a, _ in transcript.alternatives)):
        number = extract_order_number(text)
        if number:
            return number
    return None


async def numbers_right(
    recognizer: Recognizer, numbers: Sequence[str], eval_dir: Path, hotwords: Sequence[str]
) -> tuple[int, list[tuple[str, str]]]:
    """How many ``numbers`` come back right, and (number, what was heard) for the wrong ones."""
    digits = load_recordings(eval_dir).digits
    wrong: list[tuple[str, str]] = []
    for number in numbers:
        heard = await recognizer.transcribe(spoken_number(number, digits), 8000, hotwords)
        if order_read(heard) != number:
            wrong.append((number, heard.text))
    return len(numbers) - len(wrong), wrong


async def bench_spoken_orders(settings: Settings, model: str, eval_dir: Path, hotwords: Sequence[str]) -> str:
    """The first 80 of the mixed bench's 400 generated orders, with the lexicon off and on."""
    with tempfile.TemporaryDirectory() as tmp:
        orders = json.loads(write_many_orders(Path(tmp) / "orders.json").read_text(encoding="utf-8"))["orders"]
    numbers = [str(o["id"]) for o in orders][:80]
    lines = ["| recognizer | order numbers right | examples of wrong ones |", "|---|---|---|"]
    for lexicon in (False, True):
        recognizer = build_recognizer(settings.model_copy(update={"asr_lexicon": lexicon}), model)
        await recognizer.load()
        right, wrong = await numbers_right(recognizer, numbers, eval_dir, hotwords)
        examples = "; ".join(f"{n} → {t!r}" for n, t in wrong[:3])
        lines.append(f"| deployed, lexicon {'on' if lexicon else 'off'} | {right} of {len(numbers)} | {examples} |")
    return "\n".join(lines)
