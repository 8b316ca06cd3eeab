"""Bulk runs: "accept all" over a digest's orders, from the offer to the final tally."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.dialect import insert_ignoring_conflicts
from storage.models import BulkRun


def target(marketplace: str, order_id: str) -> str:
    """How a run names one of its orders; a run from /accept may span marketplaces."""
    return f"{marketplace}:{order_id}"


def split_target(value: str) -> tuple[str, str]:
    marketplace, _, order_id = value.partition(":")
    return marketplace, order_id


async def offer(
    *,
    session: AsyncSession,
    origin: str,
    marketplace: str,
    shop_id: str,
    order_ids: Sequence[str],
    now: datetime,
) -> int:
    """The run offered by ``origin``, created on first call; the same id on every later one."""
    values = {
        "origin": origin,
        "marketplace": marketplace,
        "shop_id": shop_id,
        "order_ids": json.dumps(list(order_ids)),
        "state": "offered",
        "actor_name": "",
        "result": "",
        "created_at": now,
    }
    await session.execute(insert_ignoring_conflicts(session, BulkRun, values, ["origin"]))
    found = await session.execute(select(col(BulkRun.id)).where(col(BulkRun.origin) == origin))
    run_id = found.scalar_one()
    assert run_id is not None
    return int(run_id)


async def get(*, session: AsyncSession, run_id: int) -> BulkRun | None:
    return await session.get(BulkRun, run_id, populate_existing=True)


def targets_of(run: BulkRun) -> list[tuple[str, str]]:
    """The run's orders as (marketplace, order id), in the order they were offered."""
    return [split_target(str(value)) for value in json.loads(run.order_ids)]


async def start(
    *,
    session: AsyncSession,
    run_id: int,
    chat_id: int,
    message_id: int,
    actor_id: int,
    actor_name: str,
    now: datetime,
) -> None:
    """Mark the run started by this staff member, shown on this message."""
    await session.execute(
        update(BulkRun)
        .where(col(BulkRun.id) == run_id)
        .values(
            state="running",
            chat_id=chat_id,
            message_id=message_id,
            actor_id=actor_id,
            actor_name=actor_name,
            started_at=now,
        )
    )


async def save_progress(*, session: AsyncSession, run_id: int, result: dict[str, object]) -> None:
    """What a running run has done so far, for a process that takes it over after a crash."""
    await session.execute(
        update(BulkRun).where(col(BulkRun.id) == run_id).values(result=json.dumps(result))
    )


def progress_of(run: BulkRun) -> dict[str, Any] | None:
    if not run.result:
        return None
    saved: dict[str, Any] = json.loads(run.result)
    return saved


async def running(*, session: AsyncSession) -> list[BulkRun]:
    query = select(BulkRun).where(col(BulkRun.state) == "running").order_by(col(BulkRun.id))
    return list((await session.execute(query)).scalars())


async def finish(
    *, session: AsyncSession, run_id: int, result: dict[str, object], now: datetime
) -> None:
    await session.execute(
        update(BulkRun)
        .where(col(BulkRun.id) == run_id)
        .values(state="done", result=json.dumps(result), finished_at=now)
    )
