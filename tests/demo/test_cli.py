"""``tokobot demo`` as a command: one line of output, a clean stop, a clear busy-port error."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from bot.cli import parser
from bot.demo.persist import DATABASE_NAME, STATE_NAME


def test_demo_options_parse():
    """The documented flags exist, with port 8080 by default."""
    args = parser().parse_args(["demo"])
    assert (args.port, args.fresh, args.topics) == (8080, False, False)
    args = parser().parse_args(["demo", "--port", "9001", "--fresh", "--topics"])
    assert (args.port, args.fresh, args.topics) == (9001, True, True)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_prints_one_line_and_stops_cleanly(tmp_path: Path, launch, sig: int):
    """The command prints only the page's address and exits 0 on SIGINT or SIGTERM."""
    process = launch(tmp_path)
    state = httpx.get(f"{process.url}/api/state", trust_env=False, timeout=10)
    assert state.status_code == 200
    code, out, err = process.stop(sig)
    assert (code, out, err) == (0, "", "")
    assert process.first_line.startswith("tokobot demo: http://127.0.0.1:")
    assert (tmp_path / DATABASE_NAME).exists()
    assert (tmp_path / STATE_NAME).exists()


def test_busy_port_is_reported_without_a_traceback(tmp_path: Path):
    """A port already in use is named, with the way out, and the exit status is 1."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(  # noqa: S603 - our own command line
            [sys.executable, "-m", "bot", "demo", "--port", str(port)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 1
    assert result.stdout == ""
    assert f"127.0.0.1:{port} is not available" in result.stderr
    assert "--port" in result.stderr
    assert "Traceback" not in result.stderr
