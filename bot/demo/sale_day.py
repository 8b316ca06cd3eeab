"""The demo's sale day: 200 buyers write at once, to watch chats coalesce (issue 12).

Each buyer is new to the shop and writes one to three messages; every message is a
Tokopedia chat webhook posted to tokobot's receiver as the marketplace would, buyers side by
side and each buyer's messages in order (the webhook carries the room's latest message).
At the group's real 20 messages a minute this is a backlog: tokobot shows the chats as chat
digests with an answer button per buyer.
"""

from __future__ import annotations

import asyncio
import random

from bot.demo.board import JsonDict
from bot.demo.stage import BURST_CONCURRENCY, Stage

FIRST_BUYER_ID = 7_300_001
_NAMES = ("Ayu", "Bayu", "Citra", "Dimas", "Eka", "Fajar", "Gita", "Hendra", "Intan", "Joko")
_FAMILY = ("Pratama", "Sari", "Nugroho", "Wulandari", "Hidayat", "Putri", "Santoso", "Lestari")
_ASKS = (
    "Kak, {p} masih ready?",
    "Bisa dikirim hari ini kak?",
    "Ada promo gratis ongkir untuk {p}?",
    "Kalau beli 2 {p} bisa diskon?",
    "Pesanan saya sudah dibayar, kapan dikirim?",
    "Varian yang 1kg ada kak?",
)
_PRODUCTS = ("kopi gayo", "teh melati", "gula aren", "kemeja batik")


async def buyers_burst(stage: Stage, count: int) -> JsonDict:
    """``count`` buyers write at once; returns how many messages tokobot acknowledged."""
    rng = random.Random(count)  # noqa: S311 - demo data, not security
    shop = next(iter(stage.sandbox.shops))
    url = stage.board.webhook_url("tokopedia/chat")
    gate = asyncio.Semaphore(BURST_CONCURRENCY)

    async def one_buyer(index: int) -> tuple[int, int]:
        name = f"{_NAMES[index % len(_NAMES)]} {_FAMILY[index // len(_NAMES) % len(_FAMILY)]}"
        sent = accepted = 0
        # Distinct texts: the same text twice within minutes is one message to Tokopedia.
        for ask in rng.sample(_ASKS, k=rng.randint(1, 3)):
            text = ask.format(p=rng.choice(_PRODUCTS))
            room = stage.sandbox.add_chat(shop, FIRST_BUYER_ID + index, name, text)
            async with gate:
                delivery = await stage.sandbox.deliver("chat", room, url)
            sent += 1
            accepted += delivery.status_code == 200
        return sent, accepted

    results = await asyncio.gather(*(one_buyer(index) for index in range(count)))
    sent = sum(s for s, _ in results)
    accepted = sum(a for _, a in results)
    stage.board.changed()
    stage.note(
        "out",
        f"→ tokobot: {sent} pesan dari {count} pembeli",
        f"{accepted} dijawab 200",
        ok=accepted == sent,
    )
    return {"buyers": count, "created": sent, "accepted": accepted}
