"""The buyer's photos of a return request, posted on demand under the pressed alert.

Their URLs are read again at each press (they may expire, and the buyer may have added
some) and each photo is downloaded with the shop's token, as a buyer's chat photo is
(``bot.relay.buyer_media``). Each photo is posted once into a group whoever presses and
however often: a claim per photo (its place in the request's records, which only grow)
is taken before it is fetched, finished when it is posted and released when it is not,
so a press after a failure posts only what is still missing.
"""

from __future__ import annotations

import logging

from telegram import Message
from telegram.error import TelegramError

from bot.context import Services
from bot.domain.errors import MarketplaceError
from bot.domain.vocab import LinkKind
from bot.marketplaces.media import MediaTooLarge, ShowsReturnPhotos
from bot.relay.buyer_media import PHOTO_MAX
from bot.render.catalogue import t
from bot.staff.common import Actor, Pressed, Result, Status, record_audit
from storage import claims, returns
from storage.links import ButtonMeaning, link_messages
from storage.models import ReturnRow

log = logging.getLogger(__name__)

PHOTOS_MAX = 10  # per request: more is a broken answer, not evidence worth a flood


async def show_return_photos(
    services: Services, actor: Actor, meaning: ButtonMeaning, pressed: Pressed | None
) -> Result:
    """Post the request's photos not yet shown in this group as replies to the alert."""
    lang = services.lang
    marketplace = services.marketplaces.get(meaning.marketplace)
    async with services.sessions() as session:
        row = await returns.get_return(
            session=session, marketplace=meaning.marketplace, return_id=meaning.ref
        )
    if row is None or pressed is None or not isinstance(marketplace, ShowsReturnPhotos):
        return Result(Status.MISSING, t("ret.not_found", lang))
    try:
        urls = (await marketplace.return_photos(row.shop_id, row.return_id))[:PHOTOS_MAX]
    except MarketplaceError as exc:
        log.warning("photos of return %s could not be listed: %s", row.return_id, exc)
        await record_audit(services, actor, "return_photos", row, "failed", str(exc.kind))
        return Result(Status.FAILED, t("ret.photos_failed", lang))
    if not urls:
        return Result(Status.DONE, t("ret.photos_none", lang))
    shown = failed = 0
    for index, url in enumerate(urls):
        key = f"return_photo:{row.marketplace}:{row.return_id}:{pressed.chat_id}:{index}"
        async with services.sessions() as session, session.begin():
            claim = await claims.claim(
                session=session,
                key=key,
                action="return_photos",
                actor_id=actor.id,
                actor_name=actor.name,
                now=services.clock(),
            )
        if not claim.won:
            continue  # shown already, or being shown by another press right now
        posted = await _post(services, marketplace, row, url, pressed)
        async with services.sessions() as session, session.begin():
            if posted is None:
                failed += 1
                await claims.release(session=session, key=key)
                continue
            shown += 1
            await claims.finish(session=session, key=key, now=services.clock())
            # A reply to the photo means what a reply to the alert means.
            await link_messages(
                session=session,
                chat_id=posted.chat_id,
                message_ids=[posted.message_id],
                kind=LinkKind.ORDER,
                marketplace=row.marketplace,
                shop_id=row.shop_id,
                ref=row.order_id,
                now=services.clock(),
            )
    if shown or failed:
        await record_audit(
            services,
            actor,
            "return_photos",
            row,
            "failed" if failed else "ok",
            f"{shown}/{len(urls)}",
        )
    if failed:
        if shown:
            return Result(Status.FAILED, t("ret.photos_partly", lang, shown=shown, failed=failed))
        return Result(Status.FAILED, t("ret.photos_failed", lang))
    if not shown:
        return Result(Status.STALE, t("ret.photos_already", lang))
    return Result(Status.DONE, t("ret.photos_shown", lang, count=shown))


async def _post(
    services: Services,
    marketplace: ShowsReturnPhotos,
    row: ReturnRow,
    url: str,
    pressed: Pressed,
) -> Message | None:
    """Fetch one photo and post it under the pressed message; None when either fails."""
    try:
        data = await marketplace.fetch_return_photo(row.shop_id, url, max_bytes=PHOTO_MAX)
    except (MarketplaceError, MediaTooLarge) as exc:
        log.warning("a photo of return %s could not be fetched: %s", row.return_id, exc)
        return None
    try:
        posted = await services.sender.post_photo(
            pressed.chat_id,
            data,
            thread_id=pressed.thread_id,
            reply_to=pressed.message_id,
            bulk=False,
        )
    except TelegramError as exc:
        log.warning("Telegram refused a photo of return %s: %s", row.return_id, exc)
        return None
    return posted
