"""The away message: a buyer who writes while the shop is closed hears so, once.

It belongs to the relay's delivery of the buyer's message, *after* that message is posted to
the group: staff never wait for a marketplace call to see a buyer, and the event that
brought the message is the durable record that the away message is still to be decided
(a crash before the decision retries the event; after it, the claim below answers).

Once only: the right to send is a row keyed by the conversation and the moment the closed
period ends (``storage.away_replies``), inserted and committed before the marketplace is
called. A second message in the same period, a copy from reconciliation, a retry of the
event or another process all find the row and send nothing. A claim is never given back: a
failed or uncertain away message is reported once on the buyer's message and never retried,
so it can't arrive after the shop opened.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain import placeholders
from bot.domain.errors import ErrorKind, MarketplaceError
from bot.domain.values import Conversation
from bot.jobs.rules import BusinessHours
from bot.marketplaces import Marketplace
from bot.marketplaces.messaging import ChecksMessaging
from bot.marketplaces.text_split import SplitsReplies
from bot.relay.crashpoints import crash_point
from bot.relay.outgoing import Outgoing, Step
from bot.relay.sender import Sender
from bot.render.base import error_text
from bot.render.catalogue import Html, t
from bot.render.formatting import TELEGRAM_TEXT_LIMIT
from bot.render.templates import away_mark
from storage import audit, away_replies, conversations, replies

log = logging.getLogger(__name__)

# Staff who answered this recently are in the conversation: an away message would contradict them.
STAFF_QUIET = timedelta(hours=1)
ACTOR_NAME = "tokobot"  # the audit trail's name for what tokobot sent on its own


@dataclass(frozen=True)
class AwayRules:
    """``AUTO_REPLY_TEXT`` and when the shop is open (``BUSINESS_HOURS``, ``HOLIDAYS``)."""

    text: str
    hours: BusinessHours
    tz: ZoneInfo


def closed_period(hours: BusinessHours, tz: ZoneInfo, written_at: datetime, now: datetime) -> str:
    """The closed period a buyer wrote in, named by when it ends; "" if the shop is open.

    Open when the buyer wrote, or open now (a message relayed late, after opening), or a
    period that has already ended: no away message then.
    """
    if hours.is_open(written_at, tz) or hours.is_open(now, tz):
        return ""
    opening = hours.next_opening(written_at, tz)
    if opening is None:
        return "never"
    if now >= opening:
        return ""
    return opening.isoformat()


@dataclass(frozen=True)
class _Outcome:
    status: str  # sent / failed / unknown
    error: str = ""  # for the record
    reason: Html | None = None  # for staff


class AwayReplies:
    """Decides, sends and marks the away message of one relayed buyer message."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        sender: Sender,
        marketplaces: Mapping[str, Marketplace],
        rules: AwayRules | None,
        lang: str,
        clock: Callable[[], datetime],
    ) -> None:
        self._sessions = sessions
        self._sender = sender
        self._marketplaces = marketplaces
        self._rules = rules
        self._lang = lang
        self._clock = clock

    async def answer(
        self,
        event_id: int,
        conv: Conversation,
        shop_name: str,
        written_at: datetime,
        shown: tuple[int, int],
        outgoing: Outgoing,
    ) -> Outgoing:
        """Send the away message if it is due; returns the message as staff now see it.

        ``shown`` is the (chat, message) of the buyer's message's last part in the group.
        """
        rules = self._rules
        if rules is None or not rules.text.strip():
            return outgoing
        period = closed_period(rules.hours, rules.tz, written_at, self._clock())
        if not period:
            return outgoing
        key = f"{conv.marketplace.value}:{conv.shop_id}:{conv.conversation_id}:{period}"
        outcome = await self._decide(event_id, key, conv, rules, shop_name, shown)
        if outcome is None:
            return outgoing
        return await self._mark(event_id, shown, outgoing, outcome)

    async def _decide(
        self,
        event_id: int,
        key: str,
        conv: Conversation,
        rules: AwayRules,
        shop_name: str,
        shown: tuple[int, int],
    ) -> _Outcome | None:
        """Claim and send; on a retry of the claiming event, what happened the first time."""
        now = self._clock()
        async with self._sessions() as session, session.begin():
            row = await conversations.get_conversation(
                session=session,
                marketplace=conv.marketplace.value,
                shop_id=conv.shop_id,
                conversation_id=conv.conversation_id,
            )
            answered = row.last_staff_at if row is not None else None
            if answered is not None and now - answered < STAFF_QUIET:
                return None
            won = await away_replies.claim(
                session=session,
                key=key,
                marketplace=conv.marketplace.value,
                shop_id=conv.shop_id,
                conversation_id=conv.conversation_id,
                event_id=event_id,
                now=now,
            )
        if not won:
            return await self._known(event_id, key)
        crash_point("away-claimed")  # claimed, not yet sent: for the crash tests
        text = placeholders.fill(rules.text, buyer=conv.buyer_name, shop=shop_name)
        outcome = await self._send(conv, text)
        await self._settle(key, conv, text, outcome, shown)
        return outcome

    async def _known(self, event_id: int, key: str) -> _Outcome | None:
        """The outcome to show again if this very event claimed it before a crash."""
        async with self._sessions() as session, session.begin():
            row = await away_replies.get(session=session, key=key)
            if row is None or row.event_id != event_id:
                return None  # another message of this period has it
            if row.status == "sending":
                # We crashed between the claim and the answer: it may have gone out.
                await away_replies.settle(
                    session=session, key=key, status="unknown", error="", now=self._clock()
                )
                return _Outcome("unknown")
        reason = Html(row.error) if row.status == "failed" else None
        return _Outcome(row.status, row.error, reason)

    async def _send(self, conv: Conversation, text: str) -> _Outcome:
        marketplace = self._marketplaces[conv.marketplace.value]
        lang = self._lang
        # One message only: an away message split in parts would read as a conversation.
        if isinstance(marketplace, SplitsReplies) and len(marketplace.reply_parts(text)) > 1:
            return _Outcome("failed", "too long", t("away.too_long", lang))
        try:
            if isinstance(marketplace, ChecksMessaging) and not await marketplace.may_message(
                conv
            ):
                return _Outcome("failed", "may not message", t("away.cannot_message", lang))
            await marketplace.send_reply(conv, text)
        except MarketplaceError as exc:
            error = f"{exc.code} {exc.detail}".strip() or exc.kind.value
            if exc.kind is ErrorKind.OUTCOME_UNKNOWN:
                return _Outcome("unknown", error)
            return _Outcome("failed", error, Html(error_text(exc.kind, exc.detail, lang=lang)))
        return _Outcome("sent")

    async def _settle(
        self, key: str, conv: Conversation, text: str, outcome: _Outcome, shown: tuple[int, int]
    ) -> None:
        now = self._clock()
        reason = outcome.reason or Html("")
        async with self._sessions() as session, session.begin():
            await away_replies.settle(
                session=session,
                key=key,
                status=outcome.status,
                error=str(reason) if outcome.status == "failed" else outcome.error,
                now=now,
            )
            await audit.record(
                session=session,
                at=now,
                actor_id=0,
                actor_name=ACTOR_NAME,
                action="away_reply",
                marketplace=conv.marketplace.value,
                shop_id=conv.shop_id,
                conversation_id=conv.conversation_id,
                text=text,
                result={"sent": "ok"}.get(outcome.status, outcome.status),
                detail=outcome.error,
            )
            if outcome.status == "failed":
                return
            # Recorded like a staff reply (keyed by the buyer's message in the group, which
            # no staff reply uses) so that its echo from the marketplace is not relayed back.
            _, reply = await replies.begin(
                session=session,
                chat_id=shown[0],
                message_id=shown[1],
                marketplace=conv.marketplace.value,
                shop_id=conv.shop_id,
                conversation_id=conv.conversation_id,
                text=text,
                actor_id=0,
                actor_name=ACTOR_NAME,
                now=now,
            )
            assert reply.id is not None
            await replies.settle(
                session=session, reply_id=reply.id, status=outcome.status, error="", now=now
            )

    async def _mark(
        self, event_id: int, shown: tuple[int, int], outgoing: Outgoing, outcome: _Outcome
    ) -> Outgoing:
        """Add the outcome under the buyer's message, once per event (journalled)."""
        mark = away_mark(outcome.status, outcome.reason, lang=self._lang)
        last = f"{outgoing.chunks[-1]}\n{mark}"
        if len(last) > TELEGRAM_TEXT_LIMIT:
            # No room on the message itself: say it in a reply to it.
            note = Outgoing([mark], None)
            await self._sender.post_step(
                shown[0], note, Step(event_id, "away"), reply_to=shown[1], bulk=True
            )
            return outgoing
        marked = Outgoing([*outgoing.chunks[:-1], last], outgoing.markup)
        await self._sender.replace_step(
            shown[0], shown[1], Outgoing([last], outgoing.markup), Step(event_id, "away")
        )
        return marked
