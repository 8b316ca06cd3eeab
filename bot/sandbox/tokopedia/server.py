"""Running the simulator for humans: `serve()` on loopback and a ready-made demo state."""

from __future__ import annotations

import logging

from bot.sandbox.serving import serve_until_cancelled
from bot.sandbox.tokopedia.app import create_app
from bot.sandbox.tokopedia.state import SandboxState

logger = logging.getLogger(__name__)

DEMO_FS_ID = 13000
DEMO_CLIENT_ID = "sandbox-client"
DEMO_CLIENT_SECRET = "sandbox-secret"  # noqa: S105  (public demo credential, not a secret)
DEMO_WEBHOOK_SECRET = "sandbox-webhook-secret"  # noqa: S105  (same)


async def serve(state: SandboxState, host: str = "127.0.0.1", port: int = 9000) -> None:
    """Serve `state` under uvicorn until cancelled, then shut down gracefully."""
    # Only the fs_id is logged: the credentials belong to whoever runs the sandbox.
    logger.info("Tokopedia sandbox for fs_id %s on http://%s:%s", state.fs_id, host, port)
    await serve_until_cancelled(create_app(state), host, port)


def demo_state() -> SandboxState:
    """A state with the fixed demo credentials, two shops and a few products each."""
    state = SandboxState(
        fs_id=DEMO_FS_ID,
        client_id=DEMO_CLIENT_ID,
        client_secret=DEMO_CLIENT_SECRET,
        webhook_secret=DEMO_WEBHOOK_SECRET,
    )
    state.add_shop(479573, "Toko Maju Jaya")
    state.add_product(479573, "Kopi Gayo Arabika 250g", 85000, sku="KOPI-GAYO-250", weight=0.25)
    state.add_product(479573, "Teh Melati Tubruk 100g", 18000, sku="TEH-MELATI-100", weight=0.1)
    state.add_product(479573, "Gula Aren Cair 500ml", 32000, sku="GULA-AREN-500", weight=0.6)
    state.add_shop(479574, "Batik Sekar Official")
    state.add_product(479574, "Kemeja Batik Parang L", 245000, sku="BTK-PRG-L", weight=0.3)
    state.add_product(479574, "Kain Batik Tulis 2m", 650000, sku="BTK-TLS-2M", weight=0.4)
    return state
