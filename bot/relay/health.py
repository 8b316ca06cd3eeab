"""What tokobot knows about its own health, for ``/healthz`` and logs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass
class TelegramHealth:
    """Updated by whoever talks to Telegram; read by ``/healthz``."""

    last_ok_at: datetime | None = None
    last_error: str = ""
    last_error_at: datetime | None = None
    # Telegram's set-up is wrong: the bot was removed from the group or lost its rights, or
    # the token was revoked. Delivery waits, and resumes by itself once it is put right.
    forbidden: bool = False
    # The staff group became a supergroup during this run: its new id, for the operator.
    migrated_to: int | None = None

    def ok(self, at: datetime) -> bool:
        """A call got through; True when that ends a set-up problem (worth one log line)."""
        cleared = self.forbidden
        self.last_ok_at = at
        self.forbidden = False
        return cleared

    def failed(self, at: datetime, error: str, *, forbidden: bool = False) -> bool:
        """A call failed; True when this is a new set-up problem (reported once, not per call)."""
        new = forbidden and (not self.forbidden or error != self.last_error)
        self.last_error = error
        self.last_error_at = at
        self.forbidden = forbidden
        return new

    @property
    def reachable(self) -> bool | None:
        """None until the first call; then whether the latest call got through."""
        if self.last_ok_at is None and self.last_error_at is None:
            return None
        if self.last_error_at is None:
            return True
        return self.last_ok_at is not None and self.last_ok_at > self.last_error_at
