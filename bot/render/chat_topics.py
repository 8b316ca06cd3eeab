"""Topic mode under a backlog, rendered: links into a topic or to a message, and the first
message of a topic opened after its buyer was announced in a chat digest. Pure."""

from __future__ import annotations

from bot.domain.values import Conversation
from bot.domain.vocab import ButtonAction
from bot.render.base import Button, Rendered, buyer_label, shop_label
from bot.render.catalogue import Html, t, t_plain
from bot.render.formatting import escape_attr


def topic_url(chat_id: int, thread_id: int) -> str:
    """A t.me link into a supergroup's forum topic ("" where Telegram has no such link)."""
    return _chat_link(chat_id, thread_id)


def message_url(chat_id: int, message_id: int) -> str:
    """A t.me link to one message of a supergroup ("" where Telegram has no such link)."""
    return _chat_link(chat_id, message_id)


def _chat_link(chat_id: int, tail: int) -> str:
    text = str(chat_id)
    # Only supergroups (-100…) have t.me/c links; the link uses the id without that prefix.
    if not text.startswith("-100"):
        return ""
    return f"https://t.me/c/{text[4:]}/{tail}"


def render_topic_opened(
    conv: Conversation, shop_name: str, digest_url: str, ref: str, *, lang: str
) -> Rendered:
    """The first message in a topic opened after the buyer was announced in a digest."""
    link = (
        f'<a href="{escape_attr(digest_url)}">{t("chatdigest.link", lang)}</a>'
        if digest_url
        else t("chatdigest.link", lang)
    )
    text = t(
        "chatdigest.topic_opened",
        lang,
        buyer=buyer_label(conv.buyer_name, lang),
        shop=shop_label(shop_name, conv.marketplace),
        link=Html(link),
    )
    button = Button(t_plain("btn.reply", lang), ButtonAction.REPLY, ref)
    return Rendered(text, ((button,),))
