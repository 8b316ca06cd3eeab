"""What both marketplaces of the demo share: refusals, the page's event bus and the log.

The log is the page's "marketplace ↔ tokobot" list: webhooks the demo posted to tokobot and
writes tokobot made to a sandbox, each labelled with its marketplace.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bot.demo.cast import TOKOPEDIA

JsonDict = dict[str, Any]
LOG_LIMIT = 300


class DemoError(Exception):
    """A page action that cannot be done; ``status`` is the HTTP answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class Bus:
    """Fans page events out to every open event stream; ``None`` means "closing"."""

    def __init__(self) -> None:
        self._queues: list[asyncio.Queue[JsonDict | None]] = []

    def subscribe(self) -> asyncio.Queue[JsonDict | None]:
        queue: asyncio.Queue[JsonDict | None] = asyncio.Queue()
        self._queues.append(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[JsonDict | None]) -> None:
        self._queues = [q for q in self._queues if q is not queue]

    def publish(self, item: JsonDict | None) -> None:
        for queue in self._queues:
            queue.put_nowait(item)


class Board:
    """The log, the bus, and where tokobot listens (set once it does)."""

    def __init__(self, log: list[JsonDict] | None = None) -> None:
        self.log: list[JsonDict] = log or []
        self.bus = Bus()
        self.receiver = ""
        """tokobot's base URL, set once it listens."""

    def changed(self) -> None:
        """Tell the page the marketplace panel changed (coalesced by the event stream)."""
        self.bus.publish({"type": "market"})

    def webhook_url(self, path: str) -> str:
        """tokobot's receiver for ``path`` ("tokopedia/chat", "tiktokshop")."""
        if not self.receiver:
            raise DemoError(503, "tokobot belum siap")
        return f"{self.receiver}/webhooks/{path}"

    def note(
        self,
        direction: str,
        title: str,
        detail: str,
        *,
        ok: bool = True,
        status: int | None = None,
        error: str | None = None,
        market: str = TOKOPEDIA,
    ) -> None:
        """Add a line to the log and tell the page."""
        entry = {
            "at": time.time(),
            "market": market,
            "dir": direction,
            "title": title,
            "detail": detail,
            "ok": ok,
            "status": status,
            "error": error,
        }
        self.log.append(entry)
        del self.log[:-LOG_LIMIT]
        self.changed()
