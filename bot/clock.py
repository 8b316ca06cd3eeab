"""The one place that reads the wall clock.

Everything else is handed a ``Clock`` by the composition root, so tests (and the suite on any
date) control time; ``tests/test_clock.py`` fails when product code reads the clock elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """Now, timezone-aware in UTC."""
    return datetime.now(UTC)
