"""Questions tokobot asks in the group; the answer is a Telegram reply to the question.

What the answer continues is stored as a link on the question's message, so a restart
between the question and its answer loses nothing.
"""

from __future__ import annotations

from telegram.helpers import mention_html

from bot.context import Services
from bot.domain.vocab import LinkKind
from bot.render.catalogue import Html, t
from bot.staff.common import Actor, Pressed
from storage import links
from storage.links import ButtonMeaning


def mention(actor: Actor) -> Html:
    """The staff member, named so that Telegram notifies them."""
    return Html(mention_html(actor.id, actor.name))


async def ask(
    services: Services,
    text: str,
    *,
    kind: LinkKind,
    marketplace: str,
    shop_id: str,
    ref: str,
    pressed: Pressed | None,
    placeholder: str | None = None,
) -> None:
    """Post a ForceReply question and remember what its answer is for.

    It goes where the staff member pressed (that message's chat and topic) if that is a
    staff group, else to the shop's group: answers are read in staff groups only.
    """
    chat_id, thread_id = (pressed.chat_id, pressed.thread_id) if pressed else (None, None)
    where = services.where(chat_id, marketplace, shop_id)
    prompt = await services.sender.ask(where, text, placeholder=placeholder, thread_id=thread_id)
    async with services.sessions() as session, session.begin():
        await links.link_messages(
            session=session,
            chat_id=prompt.chat_id,
            message_ids=[prompt.message_id],
            kind=kind,
            marketplace=marketplace,
            shop_id=shop_id,
            ref=ref,
            now=services.clock(),
        )


async def ask_presser(
    services: Services,
    actor: Actor,
    text_key: str,
    *,
    kind: LinkKind,
    meaning: ButtonMeaning,
    ref: str,
    pressed: Pressed | None,
) -> None:
    """Ask whoever pressed the button (named, so Telegram notifies them) for what its action
    still needs; the question belongs to the button's shop."""
    await ask(
        services,
        f"{mention(actor)} {t(text_key, services.lang)}",
        kind=kind,
        marketplace=meaning.marketplace,
        shop_id=meaning.shop_id,
        ref=ref,
        pressed=pressed,
    )
