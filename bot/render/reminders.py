"""Merged reminders: many due in one group at once become one message per kind, or a few.

On a sale day forty orders may reach an offset in the same tick, in a group Telegram lets
carry 20 messages a minute. The job then sends these lists instead of one reminder each
(``bot.jobs.reminders``). Each message keeps under Telegram's limits, 4096 UTF-16 units of
text and 100 buttons, with one button per entry; more entries make more messages, numbered
on. The pieces each entry says are the single reminders' own (``bot.render.staff``).

Pure: domain values in, a list of :class:`Batch` out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.values import Conversation, Order
from bot.domain.vocab import ButtonAction
from bot.render.base import (
    Button,
    Rendered,
    admin_mentions,
    button_rows,
    buyer_label,
    shop_label,
    user_mention,
)
from bot.render.catalogue import Html, t, t_plain
from bot.render.formatting import TELEGRAM_TEXT_LIMIT, aware, clip, utf16_len
from bot.render.staff import deadline_values, wait_values

BUTTONS_MAX = 100  # Telegram's limit of inline buttons on one message
_ORDER_BUTTONS_PER_ROW = 4  # "🧾 12": four fit a phone's width


@dataclass(frozen=True)
class DueOrder:
    """An order whose reminder is due: ``last`` at the last offset (the admins are named)."""

    order: Order
    ref: str
    deadline: datetime
    last: bool = False


@dataclass(frozen=True)
class DueChat:
    """A chat whose reminder is due, with its shop's name and its handler, if claimed."""

    conversation: Conversation
    since: datetime
    ref: str
    shop_name: str = ""
    handler: tuple[int, str] | None = None


@dataclass(frozen=True)
class Batch:
    """One merged message, and the positions (in the given sequence) of the entries in it."""

    rendered: Rendered
    members: tuple[int, ...]


def render_deadline_batches(
    due: Sequence[DueOrder],
    *,
    now: datetime,
    admins: Sequence[int] = (),
    lang: str,
    tz: ZoneInfo,
) -> list[Batch]:
    """Orders nearing their deadline, soonest first, each with a button to its order card.

    When any is at the last offset the admins are named once, in the message that lists the
    first of those (the soonest come first, so the first message).
    """
    order = sorted(range(len(due)), key=lambda i: aware(due[i].deadline).timestamp())
    blocks, buttons = [], []
    for number, i in enumerate(order, start=1):
        entry = due[i]
        values = deadline_values(entry.order, entry.deadline, now=now, lang=lang, tz=tz)
        buyer = clip(buyer_label(entry.order.buyer_name, lang), 32)
        blocks.append(
            t(
                "remind.many_order",
                lang,
                number=number,
                invoice=clip(values["invoice"], 64),
                buyer=buyer,
                deadline=values["deadline"],
                left=values["left"],
            )
        )
        # The order's card, not Accept itself: a press on a list edits the list, and an
        # Accept there would leave the result of one order on a message listing twelve.
        # The card carries Accept (or Process) and Reject, and shows who did what.
        label = t_plain("remind.many_open", lang, number=number)
        buttons.append(Button(label, ButtonAction.ORDER, entry.ref))
    named = [n for n, i in enumerate(order) if due[i].last]
    footer = t("remind.many_deadline_last", lang, admins=admin_mentions(admins))
    return _batches(
        "remind.many_deadline",
        blocks,
        buttons,
        order,
        width=_ORDER_BUTTONS_PER_ROW,
        footer=(named[0], footer) if admins and named else None,
        lang=lang,
        hint=t("remind.many_hint", lang),
    )


def render_chat_batches(
    due: Sequence[DueChat], *, now: datetime, lang: str, tz: ZoneInfo
) -> list[Batch]:
    """Unanswered chats, longest waiting first, each with a reply button; a claimed one
    names its handler, so that Telegram tells them."""
    order = sorted(range(len(due)), key=lambda i: aware(due[i].since).timestamp())
    blocks, buttons = [], []
    for number, i in enumerate(order, start=1):
        entry = due[i]
        conversation = entry.conversation
        buyer = clip(buyer_label(conversation.buyer_name, lang), 32)
        shop = shop_label(clip(entry.shop_name, 40), conversation.marketplace)
        wait = wait_values(entry.since, now=now, lang=lang, tz=tz)
        block = t("remind.many_chat", lang, number=number, buyer=buyer, shop=shop, **wait)
        if entry.handler is not None:
            user_id, name = entry.handler
            mention = user_mention(user_id, clip(name, 64))
            block = Html(f"{block}\n{t('chats.handler', lang, name=mention)}")
        blocks.append(block)
        label = t_plain("btn.reply_to", lang, number=number, buyer=clip(buyer, 24))
        buttons.append(Button(label, ButtonAction.REPLY, entry.ref))
    return _batches("remind.many_chats", blocks, buttons, order, width=1, footer=None, lang=lang)


def _batches(
    title: str,
    blocks: Sequence[str],
    buttons: Sequence[Button],
    positions: Sequence[int],
    *,
    width: int,
    footer: tuple[int, str] | None,
    lang: str,
    hint: str = "",
) -> list[Batch]:
    """Cut the numbered entries into messages and give each its title, part and buttons.

    ``footer`` is (entry number - 1, line): the line closes the message holding that entry.
    """
    total = len(blocks)
    # The longest title, part line and footer any message could carry, kept free in each.
    reserve = sum(
        utf16_len(line) + 1
        for line in (
            t(title, lang, count=total),
            t("remind.many_part", lang, part=total, parts=total),
            footer[1] if footer else "",
            hint,
        )
    )
    parts = _pack(blocks, reserve)
    batches = []
    for number, part in enumerate(parts, start=1):
        lines: list[str] = [t(title, lang, count=len(part))]
        if len(parts) > 1:
            lines.append(t("remind.many_part", lang, part=number, parts=len(parts)))
        lines.extend(blocks[n] for n in part)
        if footer is not None and footer[0] in part:
            lines.append(footer[1])
        if hint:
            lines.append(hint)
        rows = button_rows([buttons[n] for n in part], width)
        members = tuple(positions[n] for n in part)
        batches.append(Batch(Rendered("\n".join(lines), rows), members))
    return batches


def _pack(blocks: Sequence[str], reserve: int) -> list[list[int]]:
    """Consecutive entries per message, under the text limit and one button each under 100."""
    parts: list[list[int]] = []
    current: list[int] = []
    used = reserve
    for n, block in enumerate(blocks):
        size = utf16_len(block) + 1  # and its line break
        if current and (used + size > TELEGRAM_TEXT_LIMIT or len(current) >= BUTTONS_MAX):
            parts.append(current)
            current, used = [], reserve
        current.append(n)
        used += size
    if current:
        parts.append(current)
    return parts
