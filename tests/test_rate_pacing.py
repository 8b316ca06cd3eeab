"""Pacing: the clients by their marketplace's limits, the group window under concurrency."""

from __future__ import annotations

import asyncio

from bot.marketplaces.retry import Pace, endpoint_of
from bot.marketplaces.tokopedia.ratelimit import HeaderPace
from bot.relay.pacer import DbSendLog, GroupPacer

SPENT = {"X-Ratelimit-Remaining": "0", "X-Ratelimit-Reset-After": "0.250000"}
LEFT = {"X-Ratelimit-Remaining": "3", "X-Ratelimit-Reset-After": "-0.000000"}


def test_limits_count_per_endpoint_not_per_order():
    assert endpoint_of("/v1/order/123/fs/13000/ack") == endpoint_of("/v1/order/9/fs/13000/ack")
    assert endpoint_of("/v1/order/123/fs/13000/ack") != endpoint_of("/v1/order/123/fs/13000/nack")


async def test_spent_quota_makes_calls_wait_their_turn_until_quota_shows_again():
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    pace = HeaderPace(sleep)
    async with pace.slot("/ack"):
        pass
    assert slept == []  # nothing known yet: go at once
    pace.note("/ack", SPENT)
    async with pace.slot("/ack"):
        pace.note("/ack", SPENT)
    async with pace.slot("/nack"):
        pass  # another endpoint's quota is its own
    assert slept == [0.25]
    async with pace.slot("/ack"):
        pace.note("/ack", LEFT)
    async with pace.slot("/ack"):
        pass
    assert slept == [0.25, 0.25]  # quota again: no more waiting
    pace.note("/ack", {})  # an answer without the headers changes nothing
    async with pace.slot("/ack"):
        pass
    assert slept == [0.25, 0.25]


async def test_spent_endpoint_lets_one_caller_through_at_a_time():
    pace = HeaderPace()
    pace.note("/ack", {"X-Ratelimit-Remaining": "0", "X-Ratelimit-Reset-After": "0.01"})
    inside = 0
    most = 0

    async def call() -> None:
        nonlocal inside, most
        async with pace.slot("/ack"):
            inside += 1
            most = max(most, inside)
            await asyncio.sleep(0.005)
            inside -= 1

    await asyncio.gather(*(call() for _ in range(5)))
    assert most == 1


async def test_pace_keeps_every_window_to_its_calls():
    pace = Pace(3, period=0.2)
    loop = asyncio.get_running_loop()
    start = loop.time()
    times: list[float] = []

    async def call() -> None:
        await pace.wait(("/order", "shop"))
        times.append(loop.time() - start)

    await asyncio.gather(*(call() for _ in range(7)))
    before = loop.time()
    await pace.wait(("/order", "other shop"))  # another shop's window is empty
    assert loop.time() - before < 0.05
    times.sort()
    assert len(times) == 7
    for i in range(len(times) - 3):
        assert times[i + 3] - times[i] >= 0.2 - 0.01  # never 4 calls in one window
    assert times[-1] >= 0.4 - 0.01


async def test_concurrent_calls_never_share_the_groups_last_slot(sessions):
    """Staff edits from several bulk runs at once: the shared window still holds the limit."""
    chat = -1001000000001
    pacer = GroupPacer(group_limit=3, period=0.6, log=DbSendLog(sessions))
    loop = asyncio.get_running_loop()
    sent: list[float] = []

    async def call() -> bool:
        sent.append(loop.time())
        return True

    async def edit() -> None:
        await pacer.process_request(call, (), {}, "editMessageText", {"chat_id": chat}, None)

    await asyncio.gather(*(edit() for _ in range(6)))
    sent.sort()
    assert len(sent) == 6
    assert sent[3] - sent[0] >= 0.6 - 0.05  # never a 4th call inside one window
