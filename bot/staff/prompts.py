"""Questions tokobot asks in the group; the answer is a Telegram reply to the question.

What the answer continues is stored as a link on the question's message, so a restart
between the question and its answer loses nothing.
"""

from __future__ import annotations

from telegram.helpers import mention_html

from bot.context import Services
from bot.domain.vocab import LinkKind
from bot.render.catalogue import Html
from bot.staff.common import Actor
from storage import links


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
    thread_id: int | None,
    placeholder: str | None = None,
) -> None:
    """Post a ForceReply question and remember what its answer is for."""
    prompt = await services.sender.ask(
        services.chat_id, text, placeholder=placeholder, thread_id=thread_id
    )
    async with services.sessions() as session, session.begin():
        await links.link_messages(
            session=session,
            chat_id=services.chat_id,
            message_ids=[prompt.message_id],
            kind=kind,
            marketplace=marketplace,
            shop_id=shop_id,
            ref=ref,
            now=services.clock(),
        )
