"""A buyer's photo on demand: the retry of a photo that could not be fetched, and the
"📷 Lihat foto" of a photo a sale-day digest lists as a line (``bot.render.chat_digests``).

The button's ref is a ``MediaRef`` (conversation, URL, kind). The photo is fetched with the
shop's token (a public URL is handed to Telegram) and posted as a reply to the pressed
message, once however often the button is pressed (a claim on that message and photo); it
is linked to the conversation, so a staff reply to it answers the buyer.
"""

from __future__ import annotations

import hashlib
import logging

from telegram.error import TelegramError

from bot.context import Services
from bot.domain.values import BuyerMessage, Conversation, MarketplaceName
from bot.domain.vocab import LinkKind
from bot.relay.buyer_media import fetch_buyer_media
from bot.render.catalogue import t
from bot.render.chat_media import MediaRef
from bot.staff.common import Actor, Pressed, Result, Status, audit_chat
from storage import claims
from storage.assignments import ChatKey
from storage.links import ButtonMeaning, link_messages

log = logging.getLogger(__name__)


async def show_media(
    services: Services, actor: Actor, meaning: ButtonMeaning, pressed: Pressed | None
) -> Result:
    """Fetch a buyer's photo (or video) again and post it under the pressed message."""
    lang = services.lang
    ref = MediaRef.loads(meaning.ref)
    marketplace = services.marketplaces.get(meaning.marketplace)
    if ref is None or pressed is None or marketplace is None:
        return Result(Status.MISSING, t("chat.photo_gone", lang))
    # One photo under one message: a digest may offer several, each shown once.
    digest = hashlib.sha256(meaning.ref.encode()).hexdigest()[:16]
    key = f"media:{pressed.chat_id}:{pressed.message_id}:{digest}"
    async with services.sessions() as session, session.begin():
        claim = await claims.claim(
            session=session,
            key=key,
            action="show_media",
            actor_id=actor.id,
            actor_name=actor.name,
            now=services.clock(),
        )
    if not claim.won:
        return Result(Status.STALE, t("media.already_shown", lang))
    message = BuyerMessage(
        conversation=Conversation(
            marketplace=MarketplaceName(meaning.marketplace),
            shop_id=meaning.shop_id,
            conversation_id=ref.conversation_id,
            buyer_id="",
        ),
        text="",
        received_at=services.clock(),
        attachment_kind=ref.kind,
        attachment_url=ref.url,
    )
    fetched = await fetch_buyer_media(marketplace, message)
    media = fetched.postable if fetched is not None else None
    posted = None
    if media is not None and fetched is not None:
        try:
            posted = await services.sender.post_photo(
                pressed.chat_id,
                media,
                video=fetched.video,
                thread_id=pressed.thread_id,
                reply_to=pressed.message_id,
                bulk=False,
            )
        except TelegramError as exc:
            log.warning("Telegram refused a buyer's photo: %s", exc)
    now = services.clock()
    async with services.sessions() as session, session.begin():
        if posted is None:
            await claims.release(session=session, key=key)
        else:
            await claims.finish(session=session, key=key, now=now)
            await link_messages(
                session=session,
                chat_id=posted.chat_id,
                message_ids=[posted.message_id],
                kind=LinkKind.CONVERSATION,
                marketplace=meaning.marketplace,
                shop_id=meaning.shop_id,
                ref=ref.conversation_id,
                now=now,
            )
        await audit_chat(
            session,
            at=now,
            actor=actor,
            action="show_media",
            chat=ChatKey(meaning.marketplace, meaning.shop_id, ref.conversation_id),
            result="ok" if posted is not None else "failed",
        )
    if posted is None:
        return Result(Status.FAILED, t("chat.photo_gone", lang))
    return Result(Status.DONE, t("media.shown", lang))
