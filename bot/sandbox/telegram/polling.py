"""The getUpdates queue: counter update ids, offset acknowledgement and long polling."""

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from bot.sandbox.telegram.errors import ApiError

T = TypeVar("T")

# Bot API: an empty allowed_updates means every type except these three.
OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
MAX_LIMIT = 100
TERMINATED = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)


def update_type(update: dict[str, Any]) -> str:
    """Return the kind of an update (``message``, ``callback_query`` ...)."""
    return next((key for key in update if key != "update_id"), "")


def _resolve(future: "asyncio.Future[None]") -> None:
    if not future.done():
        future.set_result(None)


def call_in_loop(loop: asyncio.AbstractEventLoop, callback: Callable[[T], None], arg: T) -> None:
    """Run ``callback(arg)`` in ``loop``: now if that is the running loop, else thread-safely."""
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        callback(arg)
    elif not loop.is_closed():
        loop.call_soon_threadsafe(callback, arg)


class UpdateQueue:
    """Pending updates for getUpdates; ``push`` may be called from any thread."""

    def __init__(self) -> None:
        self._pending: list[dict[str, Any]] = []
        self._next_id = 1
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self._generation = 0
        self.allowed_updates: list[str] = []

    def __len__(self) -> int:
        return len(self._pending)

    def push(self, update: dict[str, Any]) -> int:
        """Queue ``update`` under the next update_id and wake a waiting long poll."""
        update_id = self._next_id
        self._next_id += 1
        body = {key: value for key, value in update.items() if key != "update_id"}
        self._pending.append({"update_id": update_id, **body})
        self._wake()
        return update_id

    def drop_pending(self) -> None:
        """Forget every queued update (``drop_pending_updates=True``)."""
        self._pending.clear()

    async def get(self, *, offset: int | None, limit: int, wait: float) -> list[dict[str, Any]]:
        """Acknowledge up to ``offset``; return up to ``limit`` updates, waiting ``wait`` s."""
        self._generation += 1
        generation = self._generation
        self._wake()  # an older long poll now ends with 409, as on the real server
        self._acknowledge(offset)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while True:
            if generation != self._generation:
                raise ApiError(409, TERMINATED)
            batch = self._select(max(1, min(limit, MAX_LIMIT)))
            remaining = deadline - loop.time()
            if batch or remaining <= 0:
                return batch
            future: asyncio.Future[None] = loop.create_future()
            self._waiters.append((loop, future))
            try:
                await asyncio.wait([future], timeout=remaining)
            finally:
                if (loop, future) in self._waiters:
                    self._waiters.remove((loop, future))

    def _wake(self) -> None:
        waiters, self._waiters = self._waiters, []
        for loop, future in waiters:
            call_in_loop(loop, _resolve, future)

    def _acknowledge(self, offset: int | None) -> None:
        if offset is None or offset == 0:
            return
        if offset < 0:
            self._pending = self._pending[offset:]
        else:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]

    def _select(self, limit: int) -> list[dict[str, Any]]:
        allowed = set(self.allowed_updates)
        # Telegram never stores updates of a type the bot did not ask for.
        self._pending = [
            update
            for update in self._pending
            if update_type(update) in allowed
            or (not allowed and update_type(update) not in OPT_IN_UPDATES)
        ]
        return [dict(update) for update in self._pending[:limit]]
