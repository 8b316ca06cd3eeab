"""Accept all: every order of a digest (or of one /accept) still waiting, accepted once.

A digest offers a run (``storage.bulk``); pressing its button asks to confirm in the same
message, and **Yes** claims the run (``bulk:<id>`` in ``storage.claims``), so two staff
confirming at once start it once. The run works in the background (``bulk_run``), never in
the press's handler. A crash mid-run loses nothing that matters: accepted orders are
claimed, so a retry of the failures (or /accept of the rest) skips them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot.context import Services
from bot.render.base import Rendered
from bot.render.bulk import BulkTally, render_confirm, render_progress
from bot.render.catalogue import t
from bot.render.orders import render_digest
from bot.staff.bulk_run import (
    RUN_CLAIM_STALE,
    Runner,
    needs_accept,
    run_key,
    skip_reason,
    spawn,
)
from bot.staff.common import Actor, Pressed, Result, Status, find_order, missing
from storage import bulk as runs
from storage import claims, orders
from storage.models import BulkRun, OrderRow

log = logging.getLogger(__name__)


async def _load(services: Services, run_id: int) -> BulkRun | None:
    async with services.sessions() as session:
        return await runs.get(session=session, run_id=run_id)


async def _rows(services: Services, run: BulkRun) -> list[OrderRow]:
    found: list[OrderRow] = []
    async with services.sessions() as session:
        for marketplace, order_id in runs.targets_of(run):
            row = await orders.get_order(
                session=session, marketplace=marketplace, order_id=order_id
            )
            if row is not None:
                found.append(row)
    return found


def _not_offered(services: Services, run: BulkRun) -> Result:
    if run.state == "done":
        return Result(Status.STALE, t("bulk.finished", services.lang))
    return Result(Status.BUSY, t("bulk.busy", services.lang, who=run.actor_name))


async def _redraw(
    services: Services, run: BulkRun, pressed: Pressed, rendered: Rendered
) -> Result:
    """The digest message turns into the question, or back; the press itself says nothing."""
    await services.sender.edit(
        pressed.chat_id,
        pressed.message_id,
        rendered,
        marketplace=run.marketplace,
        shop_id=run.shop_id,
    )
    return Result(Status.DONE, "")


# --- the digest's button, the question and its answers -----------------------------------------


async def ask(services: Services, run_id: int, pressed: Pressed | None) -> Result:
    """ "Accept all" pressed: the digest asks how many orders, worth how much; Yes or No."""
    run = await _load(services, run_id)
    if run is None or pressed is None:
        return missing(services)
    if run.state != "offered":
        return _not_offered(services, run)
    rows = await _rows(services, run)
    waiting = [row for row in rows if skip_reason(row) is None]
    if not waiting:
        return Result(Status.STALE, t("bulk.nothing", services.lang))
    rendered = render_confirm(
        pressed.html,
        count=len(waiting),
        total=sum(row.total for row in waiting),
        skipped=len(rows) - len(waiting),
        needs_accept=needs_accept(services, run.marketplace),
        ref=str(run_id),
        lang=services.lang,
    )
    return await _redraw(services, run, pressed, rendered)


async def back(services: Services, run_id: int, pressed: Pressed | None) -> Result:
    """No: the digest as it was, its buttons and "accept all" included."""
    run = await _load(services, run_id)
    if run is None or pressed is None:
        return missing(services)
    if run.state != "offered":
        return _not_offered(services, run)
    rows = await _rows(services, run)
    rendered = render_digest(
        [(orders.order_of(row), row.order_id) for row in rows],
        lang=services.lang,
        tz=services.tz,
        accept_all_ref=str(run_id),
    )
    return await _redraw(services, run, pressed, rendered)


async def confirm(
    services: Services, actor: Actor, run_id: int, chat_id: int, message_id: int
) -> Result:
    """Yes (or "retry the failed"): start the run once, shown on this message."""
    run = await _load(services, run_id)
    if run is None:
        return missing(services)
    async with services.sessions() as session, session.begin():
        taken = await claims.claim(
            session=session,
            key=run_key(run_id),
            action="bulk",
            actor_id=actor.id,
            actor_name=actor.name,
            now=services.clock(),
            stale_after=RUN_CLAIM_STALE,
        )
        holder = (taken.holder.state, taken.holder.actor_name) if taken.holder else None
        if taken.won:
            await runs.start(
                session=session,
                run_id=run_id,
                chat_id=chat_id,
                message_id=message_id,
                actor_id=actor.id,
                actor_name=actor.name,
                now=services.clock(),
            )
    if not taken.won:
        if holder is not None and holder[0] == "done":
            return Result(Status.STALE, t("bulk.finished", services.lang))
        who = holder[1] if holder else ""
        return Result(Status.BUSY, t("bulk.busy", services.lang, who=who))
    count = len(runs.targets_of(run))
    spawn(Runner(services, actor, run, chat_id, message_id))
    return Result(Status.DONE, t("bulk.started", services.lang, count=count))


async def accept_refs(
    services: Services,
    actor: Actor,
    refs: Sequence[str],
    *,
    chat_id: int,
    reply_to: int,
    thread_id: int | None,
) -> Result | None:
    """/accept with several ids or invoices: one run, shown on one answer to the command.

    Returns a result to say instead when no order is known; None once the run has started.
    """
    targets: list[str] = []
    first: OrderRow | None = None
    for ref in dict.fromkeys(refs):
        row = await find_order(services, ref)
        first = first or row
        # An unknown ref stays in the run, to be reported as not found with the rest.
        targets.append(runs.target(row.marketplace, row.order_id) if row else f":{ref}")
    if first is None:
        return missing(services)
    async with services.sessions() as session, session.begin():
        run_id = await runs.offer(
            session=session,
            origin=f"command:{chat_id}:{reply_to}",
            marketplace=first.marketplace,
            shop_id=first.shop_id,
            order_ids=targets,
            now=services.clock(),
        )
    tally = BulkTally(len(targets), needs_accept(services, first.marketplace))
    sent = await services.sender.send(
        chat_id,
        render_progress(tally, lang=services.lang),
        marketplace=first.marketplace,
        shop_id=first.shop_id,
        thread_id=thread_id,
        reply_to=reply_to,
        bulk=False,
    )
    result = await confirm(services, actor, run_id, sent[-1].chat_id, sent[-1].message_id)
    return None if result.done else result
