"""What a check found: passed (✓), failed with the fix in words (✗) or skipped (a dash)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Mark = Literal["ok", "fail", "skip"]
MARKS = {"ok": "✓", "fail": "✗", "skip": "\N{EN DASH}"}


@dataclass(frozen=True)
class Check:
    mark: Mark
    name: str
    detail: str

    def line(self) -> str:
        return f"{MARKS[self.mark]} {self.name}: {self.detail}"


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)

    def ok(self, name: str, detail: str) -> None:
        self.checks.append(Check("ok", name, detail))

    def fail(self, name: str, fix: str) -> None:
        self.checks.append(Check("fail", name, fix))

    def skip(self, name: str, why: str) -> None:
        self.checks.append(Check("skip", name, why))

    @property
    def passed(self) -> bool:
        return all(check.mark != "fail" for check in self.checks)

    def lines(self) -> list[str]:
        return [check.line() for check in self.checks]
