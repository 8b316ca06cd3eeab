"""Staff photos to buyers: fetched from Telegram, sent as the marketplace's picture message.

A photo answers a buyer the way a text does (a reply to a relayed chat, to the Reply prompt,
or written in the buyer's topic); each photo of an album is its own Telegram message and so
its own reply. Its parts go in order, each recorded as it arrives (``StaffReply.parts_sent``):
the picture first, then its caption as text, because a picture message has no caption. A
retry after a partial failure sends only what is missing; the staff member's 👍 comes once
every part has arrived.

A marketplace that can't take pictures (Tokopedia: its upload is undocumented) gets nothing,
and staff are told in one line what its chats take; so are stickers, voice notes, videos
and other files, for every marketplace.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram.error import TelegramError

from bot.context import Services
from bot.domain.errors import ErrorKind, MarketplaceError
from bot.domain.vocab import LinkKind
from bot.marketplaces import Marketplace
from bot.marketplaces.media import MB, SendsImages
from bot.marketplaces.text_split import SplitsReplies
from bot.relay.media_out import FileTooBig
from bot.render.base import error_text, marketplace_label
from bot.render.catalogue import t
from bot.staff import buyer_replies
from bot.staff.buyer_replies import ReplyTarget, StaffMessage
from bot.staff.common import Actor, Result, Status
from storage import replies

log = logging.getLogger(__name__)

PHOTO = "photo"


@dataclass(frozen=True)
class StaffMedia:
    """A staff message that is not text: what it is, and the photo's file where it is one."""

    kind: str  # "photo", "sticker", "voice", "video", "document", "other"
    file_id: str = ""
    file_size: int | None = None
    caption: str = ""


def _refusal(services: Services, marketplace: Marketplace, media: StaffMedia) -> str | None:
    """What to tell staff when this can't go to this marketplace's buyer; None if it can."""
    lang, label = services.lang, marketplace_label(marketplace.name)
    if not isinstance(marketplace, SendsImages):
        return t("reply.text_only_market", lang, marketplace=label)
    if media.kind != PHOTO:
        return t("reply.media_photo_or_text", lang, marketplace=label)
    if media.file_size is not None and media.file_size > marketplace.image_max_bytes:
        return t("reply.photo_too_big", lang, limit=marketplace.image_max_bytes // MB)
    return None


async def handle_media(
    services: Services, actor: Actor, message: StaffMessage, media: StaffMedia
) -> Result | None:
    """Send a staff photo on to the buyer it answers; None for staff chatter."""
    link = await buyer_replies.target_of(services, message)
    if link is None:
        return None
    kind = LinkKind(link.kind)
    if kind.is_prompt:
        return Result(Status.FAILED, t("reply.prompt_text_only", services.lang))
    if kind is LinkKind.CHAT_DIGEST:  # several buyers in one message: none is the one
        return Result(Status.MISSING, t("reply.digest_hint", services.lang))
    if kind is not LinkKind.CONVERSATION:
        return None
    marketplace = services.marketplaces[link.marketplace]
    refusal = _refusal(services, marketplace, media)
    if refusal is not None:
        return Result(Status.FAILED, refusal)
    target = ReplyTarget(link.marketplace, link.shop_id, link.ref)
    async with services.sessions() as session, session.begin():
        fresh, row = await replies.begin(
            session=session,
            chat_id=message.chat_id,
            message_id=message.message_id,
            marketplace=target.marketplace,
            shop_id=target.shop_id,
            conversation_id=target.conversation_id,
            text=media.caption,
            actor_id=actor.id,
            actor_name=actor.name,
            now=services.clock(),
            media_file_id=media.file_id,
        )
    if not fresh:
        return buyer_replies._known_reply(services, row.status, row.id)
    assert row.id is not None
    return await deliver(services, actor, row.id, target, media.file_id, media.caption, done=0)


async def retry_reply(services: Services, actor: Actor, reply_id: int) -> Result:
    """The Retry button of a failed reply, text or photo; concurrent presses send it once."""
    async with services.sessions() as session:
        row = await replies.get(session=session, reply_id=reply_id)
    if row is None or not row.media_file_id:
        return await buyer_replies.retry_reply(services, actor, reply_id)
    async with services.sessions() as session, session.begin():
        won = await replies.retake(session=session, reply_id=reply_id, now=services.clock())
    if not won:
        return buyer_replies._known_reply(services, row.status, reply_id)
    target = ReplyTarget(row.marketplace, row.shop_id, row.conversation_id)
    return await deliver(
        services, actor, reply_id, target, row.media_file_id, row.text, done=row.parts_sent
    )


def _parts(marketplace: Marketplace, caption: str) -> list[str]:
    """The texts after the picture: the caption, split where the marketplace needs it."""
    if not caption.strip():
        return []
    if isinstance(marketplace, SplitsReplies):
        return marketplace.reply_parts(caption)
    return [caption]


async def deliver(
    services: Services,
    actor: Actor,
    reply_id: int,
    target: ReplyTarget,
    file_id: str,
    caption: str,
    *,
    done: int,
) -> Result:
    """Send the parts not yet sent (part 0 the picture, then the caption's texts)."""
    marketplace = services.marketplaces[target.marketplace]
    assert isinstance(marketplace, SendsImages)
    conversation = await buyer_replies._conversation(services, target)
    texts = _parts(marketplace, caption)
    total = 1 + len(texts)
    lang = services.lang
    index = done
    status, error, result = "sent", "", Result(Status.DONE, t("reply.sent", lang), reply_id)
    try:
        for index in range(done, total):
            if index == 0:
                data = await services.sender.fetch_file(
                    file_id, max_bytes=marketplace.image_max_bytes
                )
                await marketplace.send_image(conversation, data)
            else:
                await marketplace.send_reply(conversation, texts[index - 1])
            await buyer_replies._record_part(services, reply_id, index + 1)
    except MarketplaceError as exc:
        error = f"part {index + 1}/{total}: {exc.code} {exc.detail}".strip()
        which = _which(lang, index, total)
        if exc.kind is ErrorKind.OUTCOME_UNKNOWN:
            status = "unknown"
            text = f"{error_text(exc.kind, lang=lang)}\n{which}"
            result = Result(Status.UNKNOWN, text)
        else:
            status = "failed"
            text = f"{error_text(exc.kind, exc.detail, lang=lang)}\n{which}"
            result = Result(Status.FAILED, text, reply_id, exc.kind)
    except (FileTooBig, TelegramError) as exc:
        # Nothing reached the buyer: the photo could not be read back from Telegram.
        log.warning("staff photo %s could not be downloaded: %s", file_id, exc)
        status, error = "failed", f"part 1/{total}: telegram download: {exc}"
        result = Result(Status.FAILED, t("reply.photo_unreadable", lang), reply_id)
    await buyer_replies._settle(services, actor, reply_id, target, caption, status, error)
    return result


def _which(lang: str, index: int, total: int) -> str:
    """Which part failed, and that what went before it arrived."""
    part = t("reply.part_photo", lang) if index == 0 else t("reply.part_text", lang)
    return t("reply.part_failed", lang, part=part, number=index + 1, total=total)
