"""The group's budget has one scheduler: staff outcomes, then orders, buyer messages, jobs."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bot.relay.pacer import GroupPacer, Lane

GROUP = -1001000000001


async def _call(pacer: GroupPacer, lane: Lane | None, name: str, order: list[str]) -> None:
    async def callback() -> bool:
        order.append(name)
        return True

    data: dict[str, Any] = {"chat_id": GROUP}
    await pacer.process_request(callback, (), {}, "sendMessage", data, lane)


async def test_waiting_lanes_are_served_by_priority_not_by_arrival():
    """With the window full, the lanes go in priority order whatever order they queued in.

    The staff outcome (no lane) uses the reserve at once; then a new order, a buyer
    message and a reminder take the slots as they free, in that order, although the
    reminder queued first and the order last.
    """
    pacer = GroupPacer(group_limit=3, period=0.5, bulk_reserve=1, low_reserve=1)
    order: list[str] = []
    await _call(pacer, Lane.BULK, "earlier-1", order)
    await asyncio.sleep(0.15)
    await _call(pacer, Lane.BULK, "earlier-2", order)
    waiting = []
    for lane, name in ((Lane.LOW, "reminder"), (Lane.BULK, "buyer"), (Lane.ORDERS, "order")):
        waiting.append(asyncio.create_task(_call(pacer, lane, name, order)))
        await asyncio.sleep(0.01)
    await _call(pacer, None, "staff", order)
    assert order == ["earlier-1", "earlier-2", "staff"], "the staff outcome waits for nobody"
    await asyncio.gather(*waiting)
    assert order[3:] == ["order", "buyer", "reminder"]


async def test_reminders_yield_while_the_window_is_busy():
    """A reminder leaves ``low_reserve`` slots free: it waits where a buyer message goes."""
    pacer = GroupPacer(group_limit=6, period=0.4, bulk_reserve=1, low_reserve=3)
    order: list[str] = []
    for n in range(3):
        await _call(pacer, Lane.BULK, f"buyer-{n}", order)
    start = time.monotonic()
    await _call(pacer, Lane.BULK, "buyer-3", order)
    assert time.monotonic() - start < 0.1
    start = time.monotonic()
    await _call(pacer, Lane.LOW, "reminder", order)
    assert time.monotonic() - start > 0.3, "the reminder waited for the window to empty"
