"""Tokopedia Open Platform simulator: a real Starlette app over in-memory state.

Built from shared/docs/tokopedia-api.md only, never from tokobot's client, so that it can
catch the client's mistakes. Tests drive it through `httpx.ASGITransport`; `serve()` runs
it on loopback for the demo mode.
"""

from bot.sandbox.tokopedia.app import create_app
from bot.sandbox.tokopedia.records import ChatRoom, RecordedCall, WebhookDelivery
from bot.sandbox.tokopedia.server import demo_state, serve
from bot.sandbox.tokopedia.signing import send_webhook, sign
from bot.sandbox.tokopedia.state import WEBHOOK_KINDS, WEBHOOK_URL_FIELDS, SandboxState

# Listed because mypy --strict does not re-export imported names implicitly.
__all__ = [
    "WEBHOOK_KINDS",
    "WEBHOOK_URL_FIELDS",
    "ChatRoom",
    "RecordedCall",
    "SandboxState",
    "WebhookDelivery",
    "create_app",
    "demo_state",
    "send_webhook",
    "serve",
    "sign",
]
