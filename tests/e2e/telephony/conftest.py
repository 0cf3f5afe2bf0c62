"""Fixtures of the telephony tests in this folder."""

from tests.support.transfer import envs, setup  # noqa: F401  (fixtures: a warm-transfer world per test)
