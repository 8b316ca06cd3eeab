"""Running the simulator for humans: `serve()` on loopback and a ready-made demo state."""

from __future__ import annotations

import logging

from bot.sandbox.serving import serve_until_cancelled
from bot.sandbox.tiktokshop.app import create_app
from bot.sandbox.tiktokshop.state import TikTokSandboxState

logger = logging.getLogger(__name__)

DEMO_APP_KEY = "sandbox-app-key"
DEMO_APP_SECRET = "sandbox-app-secret"  # noqa: S105  (public demo credential, not a secret)
DEMO_SERVICE_ID = "7000000000000000001"
DEMO_SHOP_ID = "7495540735365777507"
DEMO_SHOP_NAME = "Toko Maju Jaya"  # tokobot adds the marketplace label itself


async def serve(state: TikTokSandboxState, host: str = "127.0.0.1", port: int = 9100) -> None:
    """Serve `state` under uvicorn until cancelled, then shut down gracefully."""
    # Only the service id is logged: the credentials belong to whoever runs the sandbox.
    logger.info("TikTok Shop sandbox (service %s) on http://%s:%s", state.service_id, host, port)
    await serve_until_cancelled(create_app(state), host, port)


def demo_state() -> TikTokSandboxState:
    """A state with the fixed demo credentials and one shop the seller can authorize."""
    state = TikTokSandboxState(
        app_key=DEMO_APP_KEY, app_secret=DEMO_APP_SECRET, service_id=DEMO_SERVICE_ID
    )
    state.add_shop(DEMO_SHOP_ID, DEMO_SHOP_NAME)
    return state
