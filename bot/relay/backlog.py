"""How busy each staff group is, and new orders held in the inbox while it is.

The worker notes every event it claims (``note``); a group is **busy** when events for it
arrive faster than its window refills: a third of the window's slots in ten seconds,
over twice the rate of 16 a minute. Sent one by one, such a stream spends the window on
its first few events and leaves the rest a minute behind, so the relay combines them
instead (order digests, ``bot.relay.chat_digests`` for buyer messages).

Combining works best with whole digests. New orders about to be digested wait in the inbox
(``hold_orders``): until the group has a slot, if it has none, and briefly for company once
it is busy and its window in use (``pressed``), so each digest lists what arrived meanwhile.
All held orders of a group are due together, and the pass that claims them finds them side
by side.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.values import BuyerMessageReceived, EventKind, OrderCreated
from bot.relay.config import RelayConfig
from bot.relay.pacer import GroupPacer, Lane
from bot.render.formatting import aware
from bot.render.orders import DIGEST_MAX_ORDERS
from storage import inbox
from storage.inbox import event_of
from storage.models import InboxEvent

HOLD_MIN = 4.0  # seconds the oldest waits for company, while the window is at least half free
HOLD_MAX = 20.0  # ... and at most, with the window nearly spent
RATE_WINDOW = 10.0  # arrivals are counted over this many seconds
# Busy from 6 arrivals within RATE_WINDOW (with 16 slots a minute): 36 a minute, over twice
# the refill. Every event before that goes out as its own message, so a lower bar would save
# slots at a burst's start, but a handful of events in a quiet minute (two orders and a chat
# or two, which the window carries easily) should still look as they always did.
BUSY_SHARE = 3
SLOT_WAIT_MIN = 0.5  # a group without a slot is looked at again no sooner than this


def arrival_of(row: InboxEvent) -> str:
    """What an event announces, so its copies (webhook and reconciliation) count once."""
    event = event_of(row)
    if isinstance(event, BuyerMessageReceived):
        conv = event.message.conversation
        return f"chat:{conv.conversation_id}:{event.message.text}"
    if isinstance(event, OrderCreated):
        return f"order:{event.order.order_id}"
    return f"event:{row.id}"


def shop_of(row: InboxEvent) -> str:
    """The shop an inbox event is about ("" where the event names none)."""
    event = event_of(row)
    if isinstance(event, BuyerMessageReceived):
        return event.message.conversation.shop_id
    if isinstance(event, OrderCreated):
        return event.order.shop_id
    return str(getattr(event, "shop_id", ""))


class Backlog:
    """Per staff group: recent arrivals, when held events are due, how long to hold."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        pacer: GroupPacer | None,
        config: RelayConfig,
        clock: Callable[[], datetime],
    ) -> None:
        self._sessions = sessions
        self.pacer = pacer
        self._config = config
        self._clock = clock
        self._arrivals: dict[int, dict[str, float]] = {}  # group -> what arrived -> when
        self._order_due: dict[int, datetime] = {}

    def note(self, rows: Sequence[InboxEvent]) -> None:
        """Count the claimed events as arrivals of their shop's group (each news once)."""
        now = self._clock().timestamp()
        for row in rows:
            if row.id is None:
                continue
            group = self._config.groups.group_for(row.marketplace, shop_of(row))
            seen = self._arrivals.setdefault(group, {})
            seen.setdefault(arrival_of(row), aware(row.received_at).timestamp())
        for seen in self._arrivals.values():
            for key, at in list(seen.items()):
                if at < now - RATE_WINDOW:
                    del seen[key]

    def busy(self, group: int) -> bool:
        """Are events for this group arriving faster than its window refills?"""
        if self.pacer is None:
            return False
        recent = len(self._arrivals.get(group, {}))
        return recent >= max(3, self.pacer.bulk_capacity // BUSY_SHARE + 1)

    def pressed(self, group: int) -> bool:
        """Busy, with the window already in use: new orders wait for company.

        Until then a burst that came all at once goes out at once, digests as before.
        """
        if self.pacer is None:
            return False
        spent = self.pacer.bulk_capacity - self.pacer.free_slots(group)
        return self.busy(group) and spent >= 2

    def hold_seconds(self, group: int) -> float:
        """How long the oldest waits for company: the free slots spread over a window.

        A burst that spent its slots as fast as it could would send half-empty digests first
        and wait a minute for the rest; spread out, each slot carries what came meanwhile.
        """
        if self.pacer is None:
            return 0.0
        spread = self.pacer.period / (self.pacer.free_slots(group) + 1)
        return min(HOLD_MAX, max(HOLD_MIN, spread))

    def next_slot(self, group: int, lane: Lane = Lane.BULK) -> datetime:
        """When a call of ``lane`` to the group could go out, at the soonest."""
        wait = self.pacer.next_slot_in(group, lane) if self.pacer is not None else 0.0
        return self._clock() + timedelta(seconds=max(wait, SLOT_WAIT_MIN))

    async def postpone(self, rows: Sequence[InboxEvent], until: datetime) -> set[int]:
        ids = [row.id for row in rows if row.id is not None]
        async with self._sessions() as session, session.begin():
            await inbox.postpone(session=session, event_ids=ids, until=until)
        return set(ids)

    async def hold_orders(self, rows: Sequence[InboxEvent], *, more_due: bool = False) -> set[int]:
        """Postpone new orders that should wait for a slot or for company; their ids.

        ``more_due``: the pass that claimed ``rows`` was cut at its batch size, so more events
        are due in the inbox right now; a part-filled digest would only go out beside them.
        """
        if self.pacer is None:
            return set()
        by_group: dict[int, list[InboxEvent]] = {}
        for row in rows:
            group = self._config.groups.group_for(row.marketplace, shop_of(row))
            by_group.setdefault(group, []).append(row)
        held: set[int] = set()
        now = self._clock()
        for group, batch in by_group.items():
            # Only announced new orders wait for company; a status change is news of its own.
            new = [row for row in batch if row.kind == EventKind.ORDER_CREATED]
            due = self._order_due.get(group)
            oldest = min((aware(row.received_at) for row in new), default=now)
            hold = timedelta(seconds=self.hold_seconds(group))
            # A spent main group still has its overflow groups (TELEGRAM_OVERFLOW_CHAT_IDS).
            spill = self._config.groups.spill_of(group)
            if not any(self.pacer.free_slots(chat) for chat in (group, *spill)):
                until, new = self.next_slot(group, Lane.ORDERS), batch
            elif due is not None and due > now:
                until = due  # others of this group wait until then: they go together
            elif self.pressed(group) and len(new) < DIGEST_MAX_ORDERS and now - oldest < hold:
                until = oldest + hold
            else:
                self._order_due.pop(group, None)
                held |= await self._hold_remainder(group, new, hold, more_due=more_due)
                continue
            if new:
                self._order_due[group] = until
                held |= await self.postpone(new, until)
        return held

    async def _hold_remainder(
        self, group: int, batch: list[InboxEvent], hold: timedelta, *, more_due: bool
    ) -> set[int]:
        """While busy, whole digests go now; the newest few that would fill only part of
        one wait for company (at most ``hold`` after the oldest of them).

        When the pass was cut short (``more_due``) their company is already in the inbox,
        however long they have waited: they go with the next pass instead of as a digest of
        their own. On a sale day's backlog that saves a message in most passes.
        """
        rest = len(batch) % DIGEST_MAX_ORDERS
        if (
            not self.pressed(group)
            or rest == 0
            or (len(batch) < DIGEST_MAX_ORDERS and not more_due)
        ):
            return set()
        newest = sorted(batch, key=lambda row: row.id or 0)[-rest:]
        until = min(aware(row.received_at) for row in newest) + hold
        if more_due:
            until = max(until, self._clock() + timedelta(seconds=SLOT_WAIT_MIN))
        elif until <= self._clock():
            return set()
        self._order_due[group] = until
        return await self.postpone(newest, until)
