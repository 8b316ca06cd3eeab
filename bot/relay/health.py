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
    forbidden: bool = False  # the bot was removed from the group or lost its rights

    def ok(self, at: datetime) -> None:
        self.last_ok_at = at
        self.forbidden = False

    def failed(self, at: datetime, error: str, *, forbidden: bool = False) -> None:
        self.last_error = error
        self.last_error_at = at
        self.forbidden = forbidden

    @property
    def reachable(self) -> bool | None:
        """None until the first call; then whether the latest call got through."""
        if self.last_ok_at is None and self.last_error_at is None:
            return None
        if self.last_error_at is None:
            return True
        return self.last_ok_at is not None and self.last_ok_at > self.last_error_at
