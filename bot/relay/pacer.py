"""Keeps tokobot under Telegram's flood limits instead of bouncing off them.

Telegram allows a group about 20 bot messages per minute, and edits, reactions and topic
calls count too. PTB's ``AIORateLimiter`` is a leaky bucket, which lets a full burst through
and then one call every 3 s, so a strict rolling-window limit still answers 429. This pacer
keeps a rolling window per group instead. Bulk relay traffic (``rate_limit_args=Lane.BULK``)
may only use part of the window, so a staff member's reply confirmation or an edited alert
never waits behind a backlog of 1,000 orders.

With a ``SendLog`` (the composition root passes ``DbSendLog``) the group's window lives in
the database: every tokobot process on it takes its slots there, so together they stay
under the limit, and a restarted process starts with what the group spent in the last
minute. The local window then mirrors the shared one as last seen, to wait without asking.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.relay.crashpoints import crash_point
from bot.relay.leases import confirm_current, pause
from storage.budget import Window, take_slot

log = logging.getLogger(__name__)


class Lane(StrEnum):
    """A call's lane in the group's window, passed to PTB as ``rate_limit_args``.

    A call without a lane (an answer to staff, a notice that must not wait) may use the whole
    window.
    """

    BULK = "bulk"  # relay traffic: leaves ``bulk_reserve`` slots free for staff


def retry_seconds(exc: RetryAfter) -> float:
    """How long Telegram asked us to wait (PTB gives a number or a timedelta)."""
    value = exc.retry_after
    return value if isinstance(value, int | float) else value.total_seconds()


class SendLog(Protocol):
    """Where the group's window is kept when several processes (or restarts) share it."""

    async def take(self, chat_id: int, cap: int, period: float, *, take: bool = True) -> Window:
        """Take a slot if the window has room (``wait`` 0), else say how long to wait."""


class DbSendLog:
    """The window in tokobot's database (``storage.budget``)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def take(self, chat_id: int, cap: int, period: float, *, take: bool = True) -> Window:
        async with self._sessions() as session, session.begin():
            return await take_slot(
                session=session, chat_id=chat_id, cap=cap, period=period, take=take
            )


class GroupPacer(BaseRateLimiter[str]):
    """Rolling-window pacing per group chat, plus an overall per-second cap."""

    def __init__(
        self,
        *,
        group_limit: int = 20,
        period: float = 61.0,  # a second of slack for clock differences with Telegram
        bulk_reserve: int = 4,
        overall_per_second: int = 25,
        max_retries: int = 2,
        clock: Callable[[], float] = time.monotonic,
        log: SendLog | None = None,
        groups: tuple[int, ...] = (),
    ) -> None:
        self.group_limit = group_limit
        self.period = period
        self.bulk_reserve = min(bulk_reserve, group_limit - 1)
        self.overall_per_second = overall_per_second
        self.max_retries = max_retries
        self._clock = clock
        self._sent: dict[int | str, deque[float]] = {}
        self._overall: deque[float] = deque()
        self._paused_until: dict[int | str, float] = {}
        self.retry_after_seen = 0
        self._log = log
        self._groups = groups

    async def initialize(self) -> None:
        """Start from what the known groups already spent (by any process, before a crash)."""
        if self._log is None:
            return
        for chat in self._groups:
            self._adopt(
                chat, await self._log.take(chat, self.group_limit, self.period, take=False)
            )

    def _adopt(self, chat: int, window: Window) -> None:
        now = self._clock()
        self._sent[chat] = deque(sorted(now - age for age in window.ages))

    async def shutdown(self) -> None:
        return None

    def _window(self, chat: int | str, now: float) -> deque[float]:
        sent = self._sent.setdefault(chat, deque())
        while sent and sent[0] <= now - self.period:
            sent.popleft()
        return sent

    def free_slots(self, chat_id: int, *, bulk: bool = True) -> int:
        """How many calls to this group could go out right now."""
        cap = self.group_limit - (self.bulk_reserve if bulk else 0)
        return max(0, cap - len(self._window(chat_id, self._clock())))

    def _delay(self, chat: int | str | None, bulk: bool) -> float:
        now = self._clock()
        delay = 0.0
        while self._overall and self._overall[0] <= now - 1.0:
            self._overall.popleft()
        if len(self._overall) >= self.overall_per_second:
            delay = self._overall[0] + 1.0 - now
        if chat is None:
            return delay
        delay = max(delay, self._paused_until.get(chat, 0.0) - now)
        sent = self._window(chat, now)
        cap = self.group_limit - (self.bulk_reserve if bulk else 0)
        if len(sent) >= cap:
            delay = max(delay, sent[len(sent) - cap] + self.period - now)
        return delay

    async def _acquire(self, chat: int | str | None, bulk: bool) -> None:
        # Sleeping until the computed slot is the point: no event marks a window freeing up.
        while (delay := self._delay(chat, bulk)) > 0:
            await pause(delay)
        if self._log is not None and isinstance(chat, int):
            cap = self.group_limit - (self.bulk_reserve if bulk else 0)
            while (window := await self._log.take(chat, cap, self.period)).wait > 0:
                self._adopt(chat, window)
                await pause(window.wait)
            self._adopt(chat, window)
            self._overall.append(self._clock())
            return
        now = self._clock()
        self._overall.append(now)
        if chat is not None:
            self._sent.setdefault(chat, deque()).append(now)

    @staticmethod
    def _group_of(data: dict[str, Any]) -> int | str | None:
        chat = data.get("chat_id")
        if isinstance(chat, str) and chat.lstrip("-").isdigit():
            chat = int(chat)
        if isinstance(chat, int) and chat < 0:
            return chat
        if isinstance(chat, str):  # @channelusername
            return chat
        return None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: str | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        chat = self._group_of(data) if "chat_id" in data else None
        bulk = rate_limit_args == Lane.BULK
        attempt = 0
        while True:
            if "chat_id" in data:
                await self._acquire(chat, bulk)
            # The slot may have taken a minute: check the events are still ours to send.
            await confirm_current()
            try:
                result = await callback(*args, **kwargs)
            except RetryAfter as exc:
                self.retry_after_seen += 1
                wait = retry_seconds(exc) + 0.1
                if chat is not None:
                    self._paused_until[chat] = self._clock() + wait
                if attempt >= self.max_retries:
                    raise
                attempt += 1
                log.warning("Telegram asked to wait %.1fs before %s", wait, endpoint)
                continue
            crash_point(f"after-{endpoint}")
            return result
