"""Serving the fake over real sockets with uvicorn, for loopback end-to-end runs and the demo.

    async with serve(fake) as base_url:     # "http://127.0.0.1:<port>/bot"
        app = Application.builder().token(fake.token).base_url(base_url).build()

Run it in the same event loop as the code that calls ``fake.push_update`` and friends.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn

from bot.sandbox.telegram.fake import FakeTelegram


@asynccontextmanager
async def serve(fake: FakeTelegram, host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[str]:
    """Serve ``fake.app`` on ``host:port`` (0 picks a free port); yield the Bot API base_url."""
    config = uvicorn.Config(
        fake.app,
        host=host,
        port=port,
        log_level="warning",
        lifespan="off",
        timeout_graceful_shutdown=1,  # don't wait out a pending long poll
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            await task
            raise RuntimeError(f"uvicorn could not serve on {host}:{port}")
        await asyncio.sleep(0.01)
    bound_port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://{host}:{bound_port}/bot"
    finally:
        server.should_exit = True
        await task
