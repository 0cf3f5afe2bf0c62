"""Where the suite's files are, independent of how deep a test module sits."""

from __future__ import annotations

import os
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
REPO_ROOT = TESTS.parent
FIXTURES = TESTS / "fixtures"
DATA = TESTS / "data"
# The shared Polish eval set lives beside the checkout (../shared), in CI as here.
EVAL_DIR = Path(os.environ.get("INFOLINIA_ASR_EVAL_DIR", str(REPO_ROOT.parent / "shared" / "eval" / "asr-pl")))
