"""uvicorn on a loopback socket the demo binds itself, without uvicorn's signal handlers.

Binding first means a busy port is an ordinary ``OSError`` before anything starts, and the
real port is known at once (port 0 picks a free one). The demo runs four servers in one
loop and owns SIGINT/SIGTERM itself, so none of them may install its own handlers.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Generator

import uvicorn
from starlette.types import ASGIApp

from bot.demo.cast import HOST


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield  # the demo's own handlers stop every server in order


def bind(port: int, host: str = HOST) -> socket.socket:
    """Return a TCP socket bound to ``host:port``; raises ``OSError`` if it is taken."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


@contextlib.asynccontextmanager
async def serving(app: ASGIApp, sock: socket.socket) -> AsyncIterator[int]:
    """Serve ``app`` on ``sock`` for the block's duration; yield the port, then close it."""
    config = uvicorn.Config(
        app,
        lifespan="off",
        ws="none",  # no websockets: avoids importing (and warning about) websockets.legacy
        log_config=None,  # uvicorn logs through tokobot's logging set-up
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=1,  # don't wait out a pending long poll or event stream
    )
    server = _Server(config)
    with sock:
        task = asyncio.create_task(server.serve(sockets=[sock]), name="demo-uvicorn")
        while not server.started:
            if task.done():
                await task
                raise RuntimeError(f"uvicorn could not serve on {sock.getsockname()}")
            await asyncio.sleep(0.01)
        try:
            yield int(sock.getsockname()[1])
        finally:
            server.should_exit = True
            await task
