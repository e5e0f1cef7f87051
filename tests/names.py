"""Names no other test of the run uses, for schemas and tables (one counter for the process)."""

from __future__ import annotations

import itertools

_numbers = itertools.count(1)


def fresh_name(prefix: str = "t") -> str:
    return f"{prefix}{next(_numbers)}"
