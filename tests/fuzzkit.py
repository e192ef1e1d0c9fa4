"""Budget of the fuzz tests (hypothesis): `make test` runs them bounded, `make fuzz` runs
``pytest -m fuzz`` with ``PROVISOR_FUZZ_EXAMPLES`` set high. Tests under ``tests/fuzz/`` are
marked ``fuzz`` by ``tests/conftest.py``."""

from __future__ import annotations

import os


def fuzz_examples(default: int) -> int:
    """Examples per fuzz test: ``PROVISOR_FUZZ_EXAMPLES`` when set (``make fuzz``), else
    ``default`` (the bounded budget of ``make test``)."""
    raw = os.environ.get("PROVISOR_FUZZ_EXAMPLES", "").strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else default
