"""The recognizer's settings (``voice/asr_options.py``): one frozen value, or its fields as keywords."""

from __future__ import annotations

from dataclasses import fields
from typing import get_type_hints

import pytest

from voice.asr import WhisperRecognizer
from voice.asr_options import WhisperOptions, WhisperSettings


def test_the_keywords_are_exactly_the_options_fields_with_the_same_types() -> None:
    """``WhisperSettings`` types the keywords: a field added to one and not the other would go unchecked."""
    assert [f.name for f in fields(WhisperOptions)] == list(WhisperSettings.__annotations__)
    assert get_type_hints(WhisperSettings) == get_type_hints(WhisperOptions)


def test_keywords_go_on_top_of_the_options_given() -> None:
    base = WhisperOptions(beam_size=1, window_s=4, language="en")
    rec = WhisperRecognizer("unused", base, temperatures=(0.0,), window_s=6)
    assert rec.options == WhisperOptions(beam_size=1, window_s=6, language="en", temperatures=(0.0,))
    assert rec.language == "en"
    assert WhisperRecognizer("unused", beam_size=1).options == WhisperOptions(beam_size=1)
    assert WhisperRecognizer("unused").options == WhisperOptions()


@pytest.mark.parametrize(("setting", "value"), [("window_s", 0), ("window_s", 31), ("fallback", "retry")])
def test_impossible_settings_fail_when_built_either_way(setting: str, value: object) -> None:
    with pytest.raises(ValueError, match=setting):
        WhisperOptions(**{setting: value})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=setting):
        WhisperRecognizer("unused", **{setting: value})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=setting):
        WhisperRecognizer("unused", WhisperOptions(beam_size=1), **{setting: value})  # type: ignore[arg-type]
