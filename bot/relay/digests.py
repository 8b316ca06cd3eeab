"""Many new orders at once become digests: one message per shop lists them, a button each.

The worker asks for digests when new orders would eat the group's send budget; events that
turn out not to be new orders go the ordinary way.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.errors import MarketplaceError
from bot.domain.values import MarketplaceEvent, Order, OrderCreated, OrderState, OrderStatusChanged
from bot.relay.base import EventDelivery
from bot.relay.orders import with_deadline
from bot.relay.outgoing import Step
from bot.relay.pacer import Lane
from bot.render.orders import DIGEST_MAX_ORDERS, render_digest
from storage import bulk, orders, steps
from storage.inbox import event_of
from storage.models import InboxEvent, OrderRow
from storage.orders import save_order

DIGEST_STEP = "digest"


def _may_be_new(event: MarketplaceEvent) -> bool:
    """A status change can announce an order we never saw that is waiting for staff."""
    return (
        isinstance(event, OrderStatusChanged)
        and event.status.state is OrderState.AWAITING_ACCEPTANCE
    )


class DigestDelivery(EventDelivery):
    """New orders in bulk, one digest per shop and up to ``DIGEST_MAX_ORDERS`` each."""

    async def digests(self, rows: Sequence[InboxEvent]) -> set[int]:
        """Coalesce many new orders into digest messages, one button per order.

        Returns the ids of the events handled here; the rest go the ordinary way.
        """
        events = [(row.id, event_of(row)) for row in rows if row.id is not None]
        known = await self._known([event for _, event in events if _may_be_new(event)])
        # One digest never mixes shops: each button's token is issued for its digest's shop.
        by_shop: dict[tuple[str, str], list[tuple[int, Order]]] = {}
        seen: set[tuple[str, str]] = set()
        repeats: list[int] = []
        for event_id, event in events:
            order = await self._new_order(event, known)
            if order is None:
                continue
            identity = (order.marketplace.value, order.order_id)
            if identity in seen:  # the same order by webhook and by reconciliation
                repeats.append(event_id)
                continue
            seen.add(identity)
            by_shop.setdefault((order.marketplace.value, order.shop_id), []).append(
                (event_id, order)
            )
        if repeats:
            async with self._sessions() as session, session.begin():
                for event_id in repeats:
                    await self._close(session, event_id)
        handled = set(repeats)
        for batch in by_shop.values():
            for start in range(0, len(batch), DIGEST_MAX_ORDERS):
                chunk = batch[start : start + DIGEST_MAX_ORDERS]
                await self._send_digest(chunk)
                handled.update(event_id for event_id, _ in chunk)
        return handled

    async def _known(self, events: Sequence[MarketplaceEvent]) -> set[tuple[str, str]]:
        """Which of these status changes are about orders already stored, in one read."""
        if not events:
            return set()
        found: set[tuple[str, str]] = set()
        async with self._sessions() as session:
            for event in events:
                assert isinstance(event, OrderStatusChanged)
                identity = (event.marketplace.value, event.order_id)
                row = await orders.get_order(
                    session=session, marketplace=identity[0], order_id=identity[1]
                )
                if row is not None and orders.is_shown(row):
                    found.add(identity)
        return found

    async def _new_order(
        self, event: MarketplaceEvent, known: set[tuple[str, str]]
    ) -> Order | None:
        """The order an event announces, if it is a new one waiting for staff.

        Tokopedia announces new orders outright; TikTok Shop only says an order's status
        changed, so an unknown order now awaiting action is fetched and treated as new.
        """
        if isinstance(event, OrderCreated):
            return await with_deadline(
                self._marketplaces[event.order.marketplace.value], event.order
            )
        if not isinstance(event, OrderStatusChanged) or not _may_be_new(event):
            return None
        if (event.marketplace.value, event.order_id) in known:
            return None
        try:
            order = await self._marketplaces[event.marketplace.value].get_order(
                event.shop_id, event.order_id
            )
        except MarketplaceError:
            return None  # delivered one by one instead, with its own retries
        return order.model_copy(update={"status": event.status})

    async def _shown_before(self, session: AsyncSession, event_id: int, row: OrderRow) -> bool:
        """Was the order in a digest Telegram accepted just before a crash? Then it is that
        digest's, as if the closing commit had happened: a retry may come in another batch,
        and a digest rebuilt from it would show the order twice (or, under the first
        event's journal, not at all)."""
        done = await steps.done_chunks(session=session, event_id=event_id, step=DIGEST_STEP)
        if not done or row.group_chat_id is None:
            return False
        orders.set_alert(
            row=row,
            chat_id=self._group(row.group_chat_id),
            message_id=done[max(done)],
            in_digest=True,
        )
        orders.set_shown(row=row, status_code=row.status_code)
        return True

    async def _send_digest(self, batch: Sequence[tuple[int, Order]]) -> None:
        todo: list[tuple[int, Order]] = []
        saved: list[OrderRow] = []
        async with self._sessions() as session, session.begin():
            for event_id, order in batch:
                row = await orders.get_order(
                    session=session, marketplace=order.marketplace.value, order_id=order.order_id
                )
                if row is not None and row.alert_message_id is not None:
                    await self._close(session, event_id)  # alerted already, on its own
                    continue
                if row is not None and await self._shown_before(session, event_id, row):
                    await self._close(session, event_id)  # in a digest posted before a crash
                    continue
                saved.append(await save_order(session, order, self._clock()))
                todo.append((event_id, order))
            if not todo:
                return
            first = todo[0][1]
            # Its shop's group, or an overflow group; a retry of the batch keeps the first pick.
            group = self._place(first.marketplace.value, first.shop_id, saved[0].group_chat_id)
            for row in saved:
                row.group_chat_id = group
            # Offered with the digest, and the same run again when a retry re-renders it.
            run_id = await bulk.offer(
                session=session,
                origin=f"digest:{todo[0][0]}",
                marketplace=first.marketplace.value,
                shop_id=first.shop_id,
                order_ids=[bulk.target(o.marketplace.value, o.order_id) for _, o in todo],
                now=self._clock(),
            )
            rendered = render_digest(
                [(order, order.order_id) for _, order in todo],
                lang=self._config.lang,
                tz=self._config.tz,
                accept_all_ref=str(run_id),
            )
            digest = await self._sender.prepare(
                session, rendered, marketplace=first.marketplace.value, shop_id=first.shop_id
            )
        # Telegram's failures reach the worker as they are; it alone decides what is an outage.
        # The digest is journalled under each event it shows (``_shown_before``).
        others = tuple(event_id for event_id, _ in todo[1:])
        ids = await self._sender.post_step(
            group, digest, Step(todo[0][0], DIGEST_STEP, shown_with=others), bulk=Lane.ORDERS
        )
        async with self._sessions() as session, session.begin():
            for event_id, order in todo:
                row = await orders.get_order(
                    session=session, marketplace=order.marketplace.value, order_id=order.order_id
                )
                assert row is not None
                orders.set_alert(
                    row=row, chat_id=self._group(group), message_id=ids[-1], in_digest=True
                )
                orders.set_shown(row=row, status_code=order.status.code)
                row.group_chat_id = group
                await self._close(session, event_id)
