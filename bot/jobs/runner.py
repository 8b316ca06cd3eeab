"""Runs the jobs: ``schedule`` wires them to PTB's JobQueue (APScheduler), ``guarded`` reports.

Each job is a plain coroutine taking the services and "now", so tests drive it with a
controllable clock. What a job has already done lives in tokobot's tables (``notice`` for each
reminder or summary sent, ``job_state`` for cursors and failure streaks), never in pickled
jobs, so a restart neither loses nor repeats.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, time
from typing import Any

from telegram.ext import JobQueue

from bot.context import Services
from bot.domain.values import Store
from bot.jobs.housekeeping import housekeeping
from bot.jobs.posting import post
from bot.jobs.reconcile import reconcile
from bot.jobs.reminders import reminders
from bot.jobs.summary import daily_summary
from bot.jobs.token_refresh import refresh_tokens
from bot.render.base import Rendered
from bot.render.staff import render_job_notice
from bot.staff.bulk_run import resume_stopped
from storage import job_runs
from storage.locks import exclusive_xact

log = logging.getLogger(__name__)


async def guarded(services: Services, name: str, work: Callable[[], Awaitable[object]]) -> None:
    """Run a job; report its first failure in a row once, and its recovery once."""
    try:
        await work()
    except Exception as exc:
        log.exception("scheduled job %s failed", name)
        async with services.sessions() as session, session.begin():
            first = await job_runs.failed(session=session, name=name, error=str(exc) or repr(exc))
        if first:
            await _notify(
                services,
                render_job_notice(name, str(exc) or type(exc).__name__, lang=services.lang),
            )
        return
    async with services.sessions() as session, session.begin():
        recovered = await job_runs.succeeded(session=session, name=name, at=services.clock())
    if recovered:
        await _notify(services, render_job_notice(name, None, lang=services.lang))


async def _notify(services: Services, rendered: Rendered) -> None:
    try:
        await post(services, rendered)
    except Exception:
        log.exception("could not report a job state change to the group")


def schedule(job_queue: JobQueue[Any], services: Services, store: Store) -> None:
    """Register every job; each runs alone (max one instance) and skips missed runs."""
    settings = services.settings
    locks: dict[str, asyncio.Lock] = {}

    def job(name: str, work: Callable[[datetime], Awaitable[object]]) -> Callable[[Any], Any]:
        locks[name] = asyncio.Lock()

        async def callback(_context: Any) -> None:
            if locks[name].locked():
                return  # the previous run is still going: never overlap
            async with locks[name], services.sessions() as session, session.begin():
                # Processes sharing a PostgreSQL database take turns: a run that finds
                # another process at it skips (the lock ends with that transaction).
                if not await exclusive_xact(session=session, name=f"job:{name}"):
                    log.info("%s skipped: another tokobot process is running it", name)
                    return
                await guarded(services, name, lambda: work(services.clock()))

        return callback

    single = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 60}
    job_queue.run_repeating(
        job("reminders", lambda now: reminders(services, now)),
        interval=30,
        first=5,
        name="reminders",
        job_kwargs=single,
    )
    job_queue.run_repeating(
        job("reconcile", lambda now: reconcile(services, store, now)),
        interval=settings.reconcile_minutes * 60,
        first=1,
        name="reconcile",
        job_kwargs=single,
    )
    job_queue.run_repeating(
        job("tokens", lambda now: refresh_tokens(services, now)),
        interval=60,
        first=2,
        name="tokens",
        job_kwargs=single,
    )
    job_queue.run_repeating(
        job("bulk-runs", lambda _now: resume_stopped(services)),
        interval=60,
        first=30,
        name="bulk-runs",
        job_kwargs=single,
    )
    job_queue.run_daily(
        job("housekeeping", lambda now: housekeeping(services, now)),
        time=time(3, 0, tzinfo=services.tz),
        name="housekeeping",
        job_kwargs=single,
    )
    job_queue.run_daily(
        job("summary", lambda now: daily_summary(services, now)),
        time=settings.summary_at.replace(tzinfo=services.tz),
        name="summary",
        job_kwargs=single,
    )
