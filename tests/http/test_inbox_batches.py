"""One bad webhook never fails a batch: the group commit falls back to one by one.

The adapters refuse NULs and over-long ids before storage, so these items are built by hand,
as a gap in a parser would let them through. PostgreSQL is where they used to fail a whole
batch (SQLite stores both); an unreachable database must still answer 503, not 400.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from bot.domain.values import EventKind
from bot.http.webhooks import build_router
from storage.db import make_engine, make_sessionmaker, upgrade
from storage.inbox import InboxItem, InboxWriter, UnstorableEvent
from storage.models import InboxEvent

NOW = datetime(2025, 6, 2, 3, 0, 5, tzinfo=UTC)


def item(order_id: str, *, payload: str = "{}") -> InboxItem:
    return InboxItem(
        dedup_key=f"status:{order_id}",
        window=0,
        marketplace="tokopedia",
        kind=EventKind.ORDER_STATUS,
        payload=payload,
        order_id=order_id,
        received_at=NOW,
    )


async def store_together(writer: InboxWriter, items: Sequence[InboxItem]) -> list[object]:
    """Queue every write before the writer wakes, so they share one group commit."""
    return await asyncio.gather(*(writer.store([it]) for it in items), return_exceptions=True)


@pytest.mark.postgres
@pytest.mark.parametrize(
    "bad",
    [item("7" * 41), item("nul\x00id"), item("1", payload='{"text": "a\x00b"}')],
    ids=["order_id past VARCHAR(40)", "NUL in a column", "NUL in the payload"],
)
async def test_bad_item_is_refused_alone_on_postgresql(pg_url, bad):
    engine = make_engine(pg_url)
    await upgrade(engine)
    try:
        async with InboxWriter(make_sessionmaker(engine)) as writer:
            innocent = [item(str(n)) for n in range(100, 110)]
            results = await store_together(writer, [*innocent[:5], bad, *innocent[5:]])
        async with make_sessionmaker(engine)() as session:
            stored = set((await session.execute(select(InboxEvent.order_id))).scalars())
    finally:
        await engine.dispose()
    assert isinstance(results[5], UnstorableEvent)
    assert "nul" not in str(results[5])  # the refusal names no value: they may be buyer data
    assert "777" not in str(results[5])
    assert [r for n, r in enumerate(results) if n != 5] == [[True]] * 10
    assert stored == {it.order_id for it in innocent}


async def test_unreachable_database_is_an_outage_not_a_refusal():
    """The database being down is our fault: the route answers 503 so the sender retries."""
    engine = make_engine("postgresql+asyncpg://nobody@127.0.0.1:9/none")
    try:
        async with InboxWriter(make_sessionmaker(engine)) as writer:
            results = await store_together(writer, [item("1"), item("2")])
            assert all(not isinstance(r, UnstorableEvent | list) for r in results)

            async def store(events: object, received_at: datetime) -> list[bool]:
                return await writer.store([item("3")])

            app = FastAPI()
            app.include_router(build_router({"tokopedia": _Accepting()}, store))
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as web:
                response = await web.post("/webhooks/tokopedia/order", content=b"{}")
    finally:
        await engine.dispose()
    assert response.status_code == 503


class _Accepting:
    """A marketplace whose every body is signed and gives one event (for the storage path)."""

    webhook_topics = frozenset({"order"})

    def verify_webhook(self, body: bytes, headers: object) -> bool:
        return True

    def parse_webhook(self, topic: str, body: bytes, received_at: datetime) -> list[object]:
        return [object()]


class _Broken(_Accepting):
    """An adapter with a gap in its parser: an exception other than WebhookPayloadError."""

    def parse_webhook(self, topic: str, body: bytes, received_at: datetime) -> list[object]:
        raise RecursionError("maximum recursion depth exceeded")


async def test_a_gap_in_a_parser_is_a_400_not_a_500():
    stored: list[object] = []

    async def store(events: list[object], received_at: datetime) -> list[bool]:
        stored.extend(events)
        return [True] * len(events)

    app = FastAPI()
    app.include_router(build_router({"tokopedia": _Broken()}, store))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as web:
        response = await web.post("/webhooks/tokopedia/order", content=b"[[[[1]]]]")
    assert response.status_code == 400
    assert response.json() == {"ok": False, "error": "unreadable body (RecursionError)"}
    assert stored == []
