"""Serving a simulator app on loopback until cancelled (shared by the marketplace sandboxes)."""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp


async def serve_until_cancelled(app: ASGIApp, host: str, port: int) -> None:
    """Run ``app`` under uvicorn until this task is cancelled, then shut down gracefully."""
    import uvicorn  # noqa: PLC0415  (only this entry point needs a server)

    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        lifespan="off",
        ws="none",  # no websockets: avoids importing (and warning about) websockets.legacy
        log_level="warning",
        access_log=False,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        # Cancelling uvicorn's task mid-loop would leak its listening socket; ask it to exit.
        server.should_exit = True
        await task
        raise
