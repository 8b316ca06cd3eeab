"""Product code takes time from the injected clock, so the suite passes on any date."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WALL_CLOCK = re.compile(r"datetime\.now\(|\butcnow\(|time\.time\(\)|date\.today\(")
# bot/clock.py is the one reader. The sandboxes and the demo stand in for the outside world
# (marketplaces, Telegram, a person at a browser), which has a clock of its own.
ALLOWED = {Path("bot/clock.py")}
OUTSIDE = (Path("bot/sandbox"), Path("bot/demo"))


def _wall_clock_reads() -> list[str]:
    found = []
    for package in ("bot", "handlers", "storage"):
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if relative in ALLOWED or any(relative.is_relative_to(o) for o in OUTSIDE):
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                code = line.split("#", 1)[0]
                if WALL_CLOCK.search(code):
                    found.append(f"{relative}:{number}: {line.strip()}")
    return found


def test_product_code_reads_time_only_through_the_injected_clock():
    """A timestamp written from the machine's clock would differ from the test's clock."""
    assert _wall_clock_reads() == []


def test_the_scan_catches_a_wall_clock_read():
    """The pattern that guards the rule matches each way of reading the wall clock."""
    for line in ("x = datetime.now(UTC)", "x = utcnow()", "x = time.time()", "date.today()"):
        assert WALL_CLOCK.search(line), line
    assert not WALL_CLOCK.search("x = services.clock()")
