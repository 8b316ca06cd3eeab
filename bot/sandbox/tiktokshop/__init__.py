"""TikTok Shop Partner API simulator (Indonesia, "Tokopedia & Shop") over in-memory state.

Built from shared/docs/tiktok-shop-api.md only, never from tokobot's TikTok client, so that
it can catch the client's mistakes: it verifies request signatures exactly (§5), enforces
token, cipher and scope rules (§4), and serves the Customer Service, Order and cancellation
endpoints (§8-§10), and Get Product for chat cards (not in the doc: see
docs/tiktokshop-products.md), on one base URL together with the auth host's token paths.
Tests drive it through `httpx.ASGITransport`; `serve()` runs it on loopback for the demo mode.
"""

from bot.sandbox.tiktokshop.app import create_app
from bot.sandbox.tiktokshop.records import Cancellation, Conversation, RecordedCall
from bot.sandbox.tiktokshop.server import (
    DEMO_APP_KEY,
    DEMO_APP_SECRET,
    DEMO_SERVICE_ID,
    DEMO_SHOP_ID,
    demo_state,
    serve,
)
from bot.sandbox.tiktokshop.signing import request_sign, send_webhook, webhook_signature
from bot.sandbox.tiktokshop.state import TikTokSandboxState

# Listed because mypy --strict does not re-export imported names implicitly.
__all__ = [
    "DEMO_APP_KEY",
    "DEMO_APP_SECRET",
    "DEMO_SERVICE_ID",
    "DEMO_SHOP_ID",
    "Cancellation",
    "Conversation",
    "RecordedCall",
    "TikTokSandboxState",
    "create_app",
    "demo_state",
    "request_sign",
    "send_webhook",
    "serve",
    "webhook_signature",
]
