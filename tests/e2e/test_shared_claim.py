"""Accept, reject and a cancellation answer share one claim per order.

A buyer may ask to cancel an order still awaiting acceptance. If one admin presses Accept
while another approves the cancellation, only one of the two may reach Tokopedia.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.harness import ADMIN_ID, CHAT_ID, SHOP_ID, harness


@pytest.mark.parametrize("first", ["Terima", "Setujui"])
async def test_accept_and_cancellation_approval_race_makes_one_call(db_url, first):
    async with harness(db_url) as h:
        order = h.sandbox.add_order(SHOP_ID)
        await h.webhook("order_notification", order["order_id"])
        h.sandbox.request_cancellation(order["order_id"], "Salah pilih warna")
        await h.webhook("request_cancellation", order["order_id"])
        await h.deliver()
        alert, request = h.group()[-2], h.group()[-1]
        assert "Salah pilih warna" in request.plain_text
        # Both calls are slow, so the first is still with Tokopedia when the second arrives.
        h.sandbox.fail_next(r"/(ack|nack)$", 200, delay=0.2, times=2)
        presses = {"Terima": (alert, ADMIN_ID), "Setujui": (request, ADMIN_ID)}
        second = "Setujui" if first == "Terima" else "Terima"
        for label in (first, second):
            message, user = presses[label]
            h.fake.user_presses(CHAT_ID, user, message.message_id, h.button(message, label))
        updates = await h.rt.application.bot.get_updates(offset=h.offset, timeout=0)
        await asyncio.gather(*(h.rt.application.process_update(u) for u in updates))
        calls = [c.path for c in h.sandbox.calls if c.path.endswith(("/ack", "/nack"))]
        assert len(calls) == 1, calls
        answers = [c.params.get("text", "") for c in h.fake.calls_to("answerCallbackQuery")]
        assert any("sedang ditangani" in text for text in answers), answers
