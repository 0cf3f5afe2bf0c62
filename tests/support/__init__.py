"""What the tests share: one fake clock, one call harness, one server spawner, the Redis launcher.

Test modules import from here, never from each other; fixtures live in the ``conftest.py`` of the
folder whose tests need them (``tests/conftest.py``: Redis, lazily; ``tests/e2e/conftest.py``: models).
"""
