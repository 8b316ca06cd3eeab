"""`tokobot tokopedia|tiktokshop register-webhooks`: tokobot's addresses, before and after."""

from __future__ import annotations

from bot.ops.marketplaces import TIKTOKSHOP_EVENTS
from bot.ops.webhooks import register_tiktokshop, register_tokopedia
from tests.harness import TTS_SHOP_ID, harness
from tests.ops.test_doctor import BOTH, PUBLIC, _transport

ROUTES = {
    "chat_notification_url": f"{PUBLIC}/webhooks/tokopedia/chat",
    "order_notification_url": f"{PUBLIC}/webhooks/tokopedia/order",
    "order_status_url": f"{PUBLIC}/webhooks/tokopedia/order-status",
    "order_cancellation_url": f"{PUBLIC}/webhooks/tokopedia/order-cancellation",
    "order_request_cancellation_url": f"{PUBLIC}/webhooks/tokopedia/order-request-cancellation",
}


def _registrations(h) -> list[object]:
    return [call for call in h.sandbox.calls if call.path.endswith("/register")]


async def test_register_merges_tokobots_urls_and_shows_before_and_after(sqlite_url):
    """The five routes and the secret are registered; other registered URLs are kept."""
    async with harness(sqlite_url, public_url=PUBLIC) as h:
        h.sandbox.webhooks["product_changes_url"] = "https://catalogue.example.id/hook"
        h.sandbox.webhooks["webhook_secret"] = "old-secret"
        out: list[str] = []
        code = await register_tokopedia(h.rt.settings, out.append, transport=_transport(h))
        registered = dict(h.sandbox.webhooks)
        again: list[str] = []
        check = await register_tokopedia(
            h.rt.settings, again.append, check=True, transport=_transport(h)
        )
    assert code == 0
    assert {field: registered[field] for field in ROUTES} == ROUTES
    assert registered["product_changes_url"] == "https://catalogue.example.id/hook"
    assert registered["webhook_secret"] == "sandbox-webhook-secret"
    before, after = out.index("Registered now:"), out.index("Registered after:")
    assert "  chat_notification_url: (empty)" in out[before:after]
    assert f"  chat_notification_url: {ROUTES['chat_notification_url']}" in out[after:]
    assert "  webhook_secret: another value" in out[before:after]
    assert "sandbox-webhook-secret" not in "\n".join(out)
    assert check == 0
    assert "nothing to do" in again[-1]


async def test_check_only_compares(sqlite_url):
    """--check reports the difference, exits 1 and registers nothing."""
    async with harness(sqlite_url, public_url=PUBLIC) as h:
        out: list[str] = []
        code = await register_tokopedia(
            h.rt.settings, out.append, check=True, transport=_transport(h)
        )
        assert _registrations(h) == []
        assert h.sandbox.webhooks["chat_notification_url"] == ""
    assert code == 1
    assert any("chat_notification_url" in line and "Differs" in line for line in out)


async def test_register_refuses_a_public_url_without_https(sqlite_url):
    async with harness(sqlite_url, public_url="http://toko.example.id") as h:
        out: list[str] = []
        code = await register_tokopedia(h.rt.settings, out.append, transport=_transport(h))
        assert _registrations(h) == []
    assert code == 2
    assert "https://" in out[0]
    assert "Nothing was registered" in out[0]


async def test_tiktokshop_prints_partner_center_steps_and_subscribes_each_shop(sqlite_url):
    """The address and event types for Partner Center, then the Event API per shop."""
    async with harness(sqlite_url, marketplaces=BOTH, public_url=PUBLIC) as h:
        assert (await h.authorize_tts()).status_code == 200
        h.tts.shop_webhooks[TTS_SHOP_ID] = {"NEW_MESSAGE": "https://old.example.id/x"}
        out: list[str] = []
        code = await register_tiktokshop(h.rt.settings, out.append, transport=_transport(h))
        subscribed = dict(h.tts.shop_webhooks[TTS_SHOP_ID])
        checked: list[str] = []
        check = await register_tiktokshop(
            h.rt.settings, checked.append, check=True, transport=_transport(h)
        )
    assert code == 0
    assert f"  Webhook URL: {PUBLIC}/webhooks/tiktokshop" in out
    for event in TIKTOKSHOP_EVENTS:
        assert f"    {event}" in out
        assert subscribed[event] == f"{PUBLIC}/webhooks/tiktokshop"
    assert any("NEW_MESSAGE -> https://old.example.id/x" in line for line in out)
    assert out[-1] == "Shop Toko Maju Jaya after: all event types go to tokobot"
    assert check == 0


async def test_tiktokshop_without_a_connected_shop_says_what_to_do_first(sqlite_url):
    async with harness(sqlite_url, marketplaces=BOTH, public_url=PUBLIC) as h:
        out: list[str] = []
        code = await register_tiktokshop(h.rt.settings, out.append, transport=_transport(h))
    assert code == 1
    assert "tokobot tiktokshop authorize" in out[-1]
