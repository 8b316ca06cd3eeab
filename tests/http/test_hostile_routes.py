"""Signed hostile bodies through the real app: 200 or 4xx, never 5xx, and 200 means stored.

The bodies carry a valid signature, so they pass the door and reach parsing and storage, as
a marketplace's retries of a malformed notification would. The app is ``tokobot run``'s own
(``tests.harness``), on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from storage.models import InboxEvent
from tests.harness import Harness, harness
from tests.hostile_bodies import FUZZ, json_objects, mutated, structural

SAMPLES = Path(__file__).parent.parent / "samples"
TOPICS = {
    "chat": ["webhook_chat.json", "webhook_chat_string_ids.json"],
    "order": ["webhook_order_notification.json", "webhook_order_notification_variant.json"],
    "order-status": ["webhook_order_status.json", "webhook_order_status_shipped.json"],
    "order-cancellation": ["webhook_order_cancellation.json"],
    "order-request-cancellation": [
        "webhook_request_cancellation.json",
        "webhook_request_cancellation_string.json",
    ],
}
TOKOPEDIA = {
    topic: [json.loads((SAMPLES / "tokopedia" / name).read_text()) for name in names]
    for topic, names in TOPICS.items()
}
TOKOPEDIA_KEYS = sorted({key for docs in TOKOPEDIA.values() for doc in docs for key in doc})
TIKTOKSHOP = [
    json.loads(path.read_text())
    for path in sorted((SAMPLES / "tiktokshop").glob("webhook_*.json"))
    if "missing" not in path.name
]
TIKTOKSHOP_KEYS = sorted({key for doc in TIKTOKSHOP for key in (*doc, *doc.get("data", {}))})


@pytest.fixture(name="h")
async def _h(db_url: str) -> AsyncIterator[Harness]:
    async with harness(db_url, marketplaces="tokopedia,tiktokshop") as h:
        yield h


async def inbox_rows(h: Harness) -> int:
    async with h.rt.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(InboxEvent))).one()[0])


async def check_answer(h: Harness, response: httpx.Response, rows_before: int) -> None:
    """Never 5xx; 200 only with every event accounted for in the inbox; 4xx stores nothing."""
    assert response.status_code < 500, response.text
    answer = response.json()
    rows = await inbox_rows(h)
    if response.status_code == 200:
        assert answer["ok"] is True
        assert rows == rows_before + answer["stored"]
    else:
        # 413 for a body past the size cap; every other refusal of a signed body is a 400.
        assert response.status_code in (400, 413), response.text
        assert answer["ok"] is False
        assert 0 < len(answer["error"]) <= 300
        assert rows == rows_before


async def post_tokopedia(h: Harness, topic: str, raw: bytes) -> None:
    before = await inbox_rows(h)
    await check_answer(h, await h.post_webhook(topic, raw), before)


def fresh(document: dict[str, Any], h: Harness) -> dict[str, Any]:
    """A TikTok Shop sample stamped now, inside the envelope's replay window."""
    return document | {"timestamp": int(h.clock.now.timestamp())}


async def post_tiktokshop(h: Harness, raw: bytes) -> None:
    before = await inbox_rows(h)
    await check_answer(h, await h.post_tts(raw), before)


async def still_healthy(h: Harness) -> None:
    """After the storm a genuine webhook is stored, delivered, and /healthz answers."""
    chat = TOKOPEDIA["chat"][0] | {"msg_id": 990001, "message": "masih hidup?"}
    response = await h.post_webhook("chat", chat)
    assert response.status_code == 200
    assert response.json()["stored"] == 1
    await h.deliver()
    assert any("masih hidup?" in message.text for message in h.group())
    assert (await h.web.get("/healthz")).status_code == 200


topics = st.sampled_from(sorted(TOPICS))


class TestTokopediaRoutes:
    @FUZZ
    @given(data=st.data())
    async def test_mutated_payloads(self, h, data):
        """Real payloads with values replaced, removed or wrapped, on all five routes."""
        topic = data.draw(topics)
        await post_tokopedia(h, topic, data.draw(mutated(TOKOPEDIA[topic])))

    @FUZZ
    @given(topic=topics, raw=json_objects(TOKOPEDIA_KEYS))
    async def test_arbitrary_json(self, h, topic, raw):
        await post_tokopedia(h, topic, raw)

    @FUZZ
    @given(data=st.data())
    async def test_structural_attacks(self, h, data):
        """Nesting, duplicate keys, invalid UTF-8, surrogates, NULs, huge numbers, cut bodies."""
        topic = data.draw(topics)
        await post_tokopedia(h, topic, data.draw(structural(TOKOPEDIA[topic])))

    @FUZZ
    @given(topic=topics, raw=st.binary(max_size=1024))
    async def test_arbitrary_bytes(self, h, topic, raw):
        await post_tokopedia(h, topic, raw)

    async def test_process_stays_healthy(self, h):
        for depth in (64, 1000, 100_000):
            await post_tokopedia(h, "order", b"[" * depth + b"]" * depth)
        await post_tokopedia(h, "chat", b'{"msg_id": 1, "message": "\\ud800"}')
        await still_healthy(h)


class TestTikTokShopRoute:
    @FUZZ
    @given(data=st.data())
    async def test_mutated_payloads(self, h, data):
        documents = [fresh(document, h) for document in TIKTOKSHOP]
        await post_tiktokshop(h, data.draw(mutated(documents)))

    @FUZZ
    @given(raw=json_objects(TIKTOKSHOP_KEYS))
    async def test_arbitrary_json(self, h, raw):
        await post_tiktokshop(h, raw)

    @FUZZ
    @given(data=st.data())
    async def test_structural_attacks(self, h, data):
        documents = [fresh(document, h) for document in TIKTOKSHOP]
        await post_tiktokshop(h, data.draw(structural(documents)))

    async def test_genuine_samples_are_stored(self, h):
        """The property above is not vacuous: the unmutated samples are answered 200."""
        assert (await h.authorize_tts()).status_code == 200  # so they can be delivered too
        for document in TIKTOKSHOP:
            response = await h.post_tts(fresh(document, h))
            assert response.status_code == 200, (document, response.text)
        assert await inbox_rows(h) >= 12
        await still_healthy(h)
