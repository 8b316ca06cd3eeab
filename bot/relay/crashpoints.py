"""Named boundaries in delivery where a test can crash the process; no-ops otherwise.

The boundaries are reached in the delivery worker's own task only:

* ``after-claim``: events were leased to this process (committed);
* ``after-commit``: any transaction of a delivery committed (prepared buttons, a new
  topic, a chunk record, the commit that closes an event...);
* ``after-<method>``: Telegram answered a call (``after-sendMessage`` before its record,
  ``after-editMessageText``, ...);
* ``chunk-recorded``: one chunk of a split message was sent and recorded (between chunks);
* ``away-claimed``: an away message was claimed (committed) and not yet sent.

A test arms a boundary with ``arm`` (in-process: the action raises ``Crash``) or, for a real
``tokobot run`` process, through ``TOKOBOT_CRASH_AT=name[@events][:n]`` (the n-th time,
counting only while delivering those events, e.g. ``after-commit@4:2``; the process
then SIGKILLs itself, so nothing after the boundary runs, not even ``finally`` blocks).
``TOKOBOT_CRASH_TRACE=path`` appends every boundary reached to a file instead. Both are read
once at start-up by ``arm_from_environment``; they are test hooks, not settings.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import signal
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session

CRASH_AT = "TOKOBOT_CRASH_AT"
CRASH_TRACE = "TOKOBOT_CRASH_TRACE"


class Crash(BaseException):
    """An in-process crash; a BaseException so no handler treats it as a failed event."""


_in_delivery: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "tokobot_delivery", default=None
)
_armed: dict[str, int] = {}
_seen: dict[str, int] = {}
_trace: list[Path] = []
_action: list[Callable[[str], None]] = []


def _raise(name: str) -> None:
    raise Crash(name)


def _kill(name: str) -> None:
    del name
    os.kill(os.getpid(), signal.SIGKILL)


def arm(name: str, nth: int = 1, action: Callable[[str], None] = _raise) -> None:
    """Crash at the ``nth`` time delivery reaches boundary ``name``."""
    _armed.clear()
    _seen.clear()
    _armed[name] = nth
    _action[:] = [action]
    _watch_commits()


def trace(path: Path) -> None:
    """Append each boundary reached (with the events in flight) to ``path``."""
    _trace[:] = [path]
    _watch_commits()


def disarm() -> None:
    _armed.clear()
    _seen.clear()
    _trace.clear()


def arm_from_environment() -> None:
    """Arm what a test asked for in the environment of a ``tokobot run`` process."""
    # Read here, once, rather than in Settings: these are test hooks, not configuration.
    crash_at = os.environ.get(CRASH_AT, "")
    if crash_at:
        name, _, nth = crash_at.partition(":")
        arm(name, int(nth or 1), _kill)
    if path := os.environ.get(CRASH_TRACE, ""):
        trace(Path(path))


@contextlib.contextmanager
def delivering(events: str) -> Iterator[None]:
    """Mark the code in the block as delivery of ``events`` (for the boundaries above)."""
    token = _in_delivery.set(events)
    try:
        yield
    finally:
        _in_delivery.reset(token)


def crash_point(name: str) -> None:
    """A boundary: crash here if a test armed it; otherwise nothing."""
    if not (_armed or _trace):
        return
    events = _in_delivery.get()
    if events is None:
        return
    for path in _trace:
        with path.open("a", encoding="utf-8") as out:
            out.write(f"{name} {events}\n")
    for key in (name, f"{name}@{events}"):
        if key in _armed:
            _seen[key] = _seen.get(key, 0) + 1
            if _seen[key] == _armed[key]:
                for path in _trace:
                    with path.open("a", encoding="utf-8") as out:
                        out.write(f"crash {name} {events}\n")
                _action[0](name)


def _after_commit(_session: Session) -> None:
    crash_point("after-commit")


def _watch_commits() -> None:
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
