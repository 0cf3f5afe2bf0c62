"""Fixtures of the end-to-end tests: the real speech models, loaded once per session, and the shared
Polish eval set (tests/support/models.py)."""

from tests.support.models import eval_dir, models_dir, recognizer, synthesizer, voice_spec, whisper_base  # noqa: F401
