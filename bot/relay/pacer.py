"""Keeps tokobot under Telegram's flood limits instead of bouncing off them.

Telegram allows a group about 20 bot messages per minute, and edits, reactions and topic
calls count too. PTB's ``AIORateLimiter`` is a leaky bucket, which lets a full burst through
and then one call every 3 s, so a strict rolling-window limit still answers 429. This pacer
keeps a rolling window per group instead, and is the one scheduler of that window: every
call names its ``Lane`` (``rate_limit_args``), and the lanes are the budget's priorities.
Relay traffic may only use part of the window, so a staff member's reply confirmation or
an edited alert never waits behind a backlog of 1,000 orders; reminders and summaries use
less still, and wait while anything above them waits.

With a ``SendLog`` (the composition root passes ``DbSendLog``) the group's window lives in
the database: every tokobot process on it takes its slots there, so together they stay
under the limit, and a restarted process starts with what the group spent in the last
minute. The local window then mirrors the shared one as last seen, to wait without asking.
"""

from __future__ import annotations

import asyncio
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

    The lanes are the group budget's priorities, highest first. A call without a lane (the
    outcome of a staff action: its 👍, an error, a prompt) may use the whole window and goes
    before any waiting lane. The others leave room for those above them: new orders and
    buyer messages leave ``bulk_reserve`` slots, reminders and summaries ``low_reserve``, so
    they yield while a backlog is being worked off. A waiting call of a higher lane is served
    before a lower one takes a slot.
    """

    ORDERS = "orders"  # new-order alerts and digests: their acceptance deadline runs
    BULK = "bulk"  # other relay traffic: buyer messages oldest first, status updates
    LOW = "low"  # reminders and summaries


# How a call is paced: a lane, or True for relay traffic (BULK), False for a staff outcome.
Pace = bool | Lane


def lane_of(pace: Pace) -> Lane | None:
    if isinstance(pace, Lane):
        return pace
    return Lane.BULK if pace else None


# Rank of each lane (lower goes first); a call without a lane is 0.
_RANK: dict[Lane | None, int] = {None: 0, Lane.ORDERS: 1, Lane.BULK: 2, Lane.LOW: 3}
_LANES = frozenset(lane.value for lane in Lane)


def retry_seconds(exc: RetryAfter) -> float:
    """How long Telegram asked us to wait (PTB gives a number or a timedelta)."""
    value = exc.retry_after
    return value if isinstance(value, int | float) else value.total_seconds()


def spare_share(limiter: object, chat_id: int) -> float:
    """The share of a group's bulk-lane budget free right now (1.0 when nothing paces it).

    Progress that may be skipped (a bulk run's running tally) asks first, so it never queues
    behind the budget and delays what staff are waiting for.
    """
    if not isinstance(limiter, GroupPacer):
        return 1.0
    cap = max(1, limiter.group_limit - limiter.bulk_reserve)
    return limiter.free_slots(chat_id) / cap


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
        low_reserve: int = 8,
        overall_per_second: int = 25,
        max_retries: int = 2,
        clock: Callable[[], float] = time.monotonic,
        log: SendLog | None = None,
        groups: tuple[int, ...] = (),
    ) -> None:
        self.group_limit = group_limit
        self.period = period
        self.bulk_reserve = min(bulk_reserve, group_limit - 1)
        self.low_reserve = max(self.bulk_reserve, min(low_reserve, group_limit - 1))
        self.overall_per_second = overall_per_second
        self.max_retries = max_retries
        self._clock = clock
        self._sent: dict[int | str, deque[float]] = {}
        self._overall: deque[float] = deque()
        self._paused_until: dict[int | str, float] = {}
        self.retry_after_seen = 0
        self._log = log
        self._takes: dict[int, asyncio.Lock] = {}
        self._groups = groups
        # Calls waiting for a slot, per group and lane rank: a lower lane leaves them room.
        self._waiting: dict[int | str, list[int]] = {}

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

    @property
    def bulk_capacity(self) -> int:
        """Relay traffic's share of one window."""
        return self.group_limit - self.bulk_reserve

    def cap(self, lane: Lane | None) -> int:
        """How much of the window a lane may fill."""
        if lane is None:
            return self.group_limit
        return self.group_limit - (self.low_reserve if lane is Lane.LOW else self.bulk_reserve)

    def free_slots(self, chat_id: int, *, bulk: bool = True) -> int:
        """How many calls to this group could go out right now."""
        cap = self.group_limit - (self.bulk_reserve if bulk else 0)
        return max(0, cap - len(self._window(chat_id, self._clock())))

    def next_slot_in(self, chat_id: int, lane: Lane | None = Lane.BULK) -> float:
        """Seconds until a call of ``lane`` to this group could go out (0: now)."""
        return self._delay(chat_id, lane)

    def _ahead(self, chat: int | str, rank: int) -> int:
        """Calls of higher lanes waiting for this group."""
        return sum(1 for waiting in self._waiting.get(chat, []) if waiting < rank)

    def _delay(self, chat: int | str | None, lane: Lane | None) -> float:
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
        cap = self.cap(lane) - self._ahead(chat, _RANK[lane])
        if cap <= 0:
            # Higher lanes wait for every slot this lane could use: look again when one frees.
            return max(delay, sent[0] + self.period - now if sent else 0.05, 0.05)
        if len(sent) >= cap:
            delay = max(delay, sent[len(sent) - cap] + self.period - now)
        return delay

    async def _acquire(self, chat: int | str | None, lane: Lane | None) -> None:
        # Sleeping until the computed slot is the point: no event marks a window freeing up.
        # A higher lane that starts waiting meanwhile shortens nobody's sleep, but it is
        # counted at every wake-up, so it goes first as soon as it can.
        rank = _RANK[lane]
        queue = self._waiting.setdefault(chat, []) if chat is not None else []
        queue.append(rank)
        try:
            while (delay := self._delay(chat, lane)) > 0:
                await pause(min(delay, 1.0))
        finally:
            queue.remove(rank)
        if self._log is not None and isinstance(chat, int):
            cap = self.cap(lane)
            # One take at a time per group in this process: on SQLite the window's read and
            # its insert are not one step, so two concurrent takes could share the last slot.
            turn = self._takes.setdefault(chat, asyncio.Lock())
            while True:
                async with turn:
                    window = await self._log.take(chat, cap, self.period)
                self._adopt(chat, window)
                if window.wait <= 0:
                    break
                await pause(window.wait)
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
        lane = Lane(rate_limit_args) if rate_limit_args in _LANES else None
        attempt = 0
        while True:
            if "chat_id" in data:
                await self._acquire(chat, lane)
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
