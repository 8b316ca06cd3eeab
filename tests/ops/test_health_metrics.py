"""/healthz for anyone, /healthz/details and /metrics only for this machine or HEALTH_TOKEN."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

from bot.http.health import scrub
from tests.harness import SHOP_ID, harness

STRANGER = ("203.0.113.7", 51234)


def _client(h, client=STRANGER) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=h.rt.web, client=client)
    return httpx.AsyncClient(transport=transport, base_url="http://tokobot")


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape, keyed by name and sorted labels."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def _scrape(h) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = await h.web.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return samples(response.text)


async def test_strangers_see_only_the_status(sqlite_url):
    """From another address /healthz says ok and nothing else; the private pages answer 403."""
    async with harness(sqlite_url) as h, _client(h) as stranger:
        response = await stranger.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}
        for path in ("/healthz/details", "/metrics"):
            assert (await stranger.get(path)).status_code == 403


async def test_a_proxied_request_is_not_local(sqlite_url):
    """A reverse proxy connects from loopback; its forwarding header keeps details private."""
    async with harness(sqlite_url) as h:
        for header in ("X-Forwarded-For", "Forwarded"):
            response = await h.web.get("/healthz/details", headers={header: "203.0.113.7"})
            assert response.status_code == 403
        assert (await h.web.get("/healthz/details")).status_code == 200


async def test_health_token_opens_the_private_pages_to_a_remote_monitor(sqlite_url):
    """With HEALTH_TOKEN set, a Bearer token that matches is let in; any other is not."""
    async with harness(sqlite_url, health_token="s3cret-monitor") as h, _client(h) as remote:
        good = {"Authorization": "Bearer s3cret-monitor"}
        for path in ("/healthz/details", "/metrics"):
            assert (await remote.get(path, headers=good)).status_code == 200
            for bad in ("Bearer s3cret-monitoR", "Basic s3cret-monitor", "s3cret-monitor"):
                assert (await remote.get(path, headers={"Authorization": bad})).status_code == 403
        assert (await remote.get("/healthz/details", headers=good)).json()["database"] == "ok"


async def test_without_a_token_no_bearer_is_accepted(sqlite_url):
    """No HEALTH_TOKEN: an empty or made-up bearer does not open the pages remotely."""
    async with harness(sqlite_url) as h, _client(h) as remote:
        for token in ("", "anything"):
            headers = {"Authorization": f"Bearer {token}"}
            assert (await remote.get("/metrics", headers=headers)).status_code == 403


def test_scrub_removes_sql_parameters_and_contact_data():
    """Error texts keep their cause and lose statements, parameters, e-mails and phones."""
    error = (
        "(sqlite3.IntegrityError) NOT NULL constraint failed: inbox_event.payload\n"
        "[SQL: INSERT INTO inbox_event (payload) VALUES (?)]\n"
        '[parameters: (\'{"buyer": "Siti Aminah", "message": "alamat saya"}\',)]'
    )
    cleaned = scrub(error)
    assert cleaned is not None
    assert "NOT NULL constraint failed" in cleaned
    assert "Siti" not in cleaned
    assert "INSERT" not in cleaned
    contact = scrub("send failed for budi.s@example.co.id at +6281234567890 text 'rumah nomor 5'")
    assert contact == "send failed for [email] at [phone] text […]"
    assert len(scrub("x" * 5000) or "") <= 300


async def test_metrics_follow_a_webhook_to_the_group(sqlite_url):
    """One order: its webhook, the wait in the inbox, the delivery time, the Telegram call."""
    async with harness(sqlite_url) as h:
        order = h.sandbox.add_order(SHOP_ID)
        await h.webhook("order_notification", order["order_id"])
        bad = await h.post_webhook("order", b"{}", signature="0" * 64)
        assert bad.status_code == 401
        assert (await h.web.post("/webhooks/nosuch/x", content=b"{}")).status_code == 404
        before = await _scrape(h)
        assert before["tokobot_inbox_events", (("state", "pending"),)] == 1
        h.clock.advance(seconds=42)
        await h.deliver()
        after = await _scrape(h)

    def webhooks(m, route, status):
        labels = (("marketplace", m), ("route", route), ("status", status))
        return after.get(("tokobot_webhooks_total", labels), 0)

    assert webhooks("tokopedia", "order", "200") == 1
    assert webhooks("tokopedia", "order", "401") == 1
    assert webhooks("unknown", "unknown", "404") == 1
    assert after["tokobot_inbox_events", (("state", "pending"),)] == 0
    assert after["tokobot_delivery_seconds_count", ()] == 1
    assert after["tokobot_delivery_seconds_sum", ()] == 42
    assert after["tokobot_delivery_seconds_bucket", (("le", "30.0"),)] == 0
    assert after["tokobot_delivery_seconds_bucket", (("le", "60.0"),)] == 1
    sent = ("tokobot_telegram_requests_total", (("method", "sendMessage"), ("outcome", "ok")))
    assert after[sent] >= 1
    tokopedia_calls = [
        value
        for (name, labels), value in after.items()
        if name == "tokobot_marketplace_requests_total"
        and ("marketplace", "tokopedia") in labels
        and ("outcome", "ok") in labels
    ]
    assert sum(tokopedia_calls) >= 1


async def test_a_telegram_429_is_counted_as_rate_limited(sqlite_url):
    """Flood control from Telegram shows as its own outcome."""
    async with harness(sqlite_url) as h:
        room = h.sandbox.add_chat(SHOP_ID, 654321, "Budi", "halo")
        await h.webhook("chat", room)
        h.fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 5", retry_after=5)
        await h.rt.relay.run_once()
        scraped = await _scrape(h)
    limited = (
        "tokobot_telegram_requests_total",
        (("method", "sendMessage"), ("outcome", "rate_limited")),
    )
    assert scraped[limited] == 1


async def test_staff_actions_and_first_response_come_from_the_audit_trail(sqlite_url):
    """An accepted order and an answered chat show in the staff and response metrics."""
    async with harness(sqlite_url) as h:
        order = h.sandbox.add_order(SHOP_ID)
        await h.webhook("order_notification", order["order_id"])
        await h.deliver()
        await h.press(h.last(), "Terima")
        room = h.sandbox.add_chat(SHOP_ID, 654321, "Budi", "Kak, ready?")
        await h.webhook("chat", room)
        await h.deliver()
        h.clock.advance(minutes=7)
        await h.say("Ready kak", reply_to=h.last().message_id)
        scraped = await _scrape(h)
    actions = {
        dict(labels)["action"]: value
        for (name, labels), value in scraped.items()
        if name == "tokobot_staff_actions_total" and ("outcome", "ok") in labels
    }
    assert actions.get("accept") == 1
    assert actions.get("reply") == 1
    assert scraped["tokobot_first_response_seconds_count", ()] == 1
    assert scraped["tokobot_first_response_seconds_sum", ()] == 7 * 60


async def test_each_runtime_counts_only_its_own(sqlite_url, tmp_path):
    """Two runtimes in one process keep separate registries."""
    async with harness(sqlite_url) as first:
        order = first.sandbox.add_order(SHOP_ID)
        await first.webhook("order_notification", order["order_id"])
        async with harness(f"sqlite+aiosqlite:///{tmp_path}/other.db") as second:
            scraped = await _scrape(second)
    labels = (("marketplace", "tokopedia"), ("route", "order"), ("status", "200"))
    assert ("tokobot_webhooks_total", labels) not in scraped
