"""Quick replies as staff see them: the ⚡ button, the menu of templates, /templates; and the
away message's mark on a relayed buyer message. Pure."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.placeholders import KNOWN
from bot.domain.vocab import ButtonAction
from bot.render.base import Button, Rendered, button_rows, buyer_label
from bot.render.catalogue import Html, t, t_plain

MENU_WIDTH = 3  # template names are short: three to a row stays readable on a phone


def quick_reply_button(conversation_ref: str, lang: str) -> Button:
    """The ⚡ button of a relayed buyer message: opens the menu of templates."""
    return Button(t_plain("btn.quick", lang), ButtonAction.QUICK_REPLIES, conversation_ref)


def template_ref(name: str, conversation_ref: str) -> str:
    """What a template button carries; names hold no ``:``, conversation ids may."""
    return f"{name}:{conversation_ref}"


def parse_template_ref(ref: str) -> tuple[str, str]:
    """``(name, conversation_ref)`` from :func:`template_ref`."""
    name, _, conversation_ref = ref.partition(":")
    return name, conversation_ref


def render_menu(
    names: Sequence[str], buyer_name: str, conversation_ref: str, *, lang: str
) -> Rendered:
    """The templates as buttons, in the order given (the most used first)."""
    buttons = [
        Button(name, ButtonAction.TEMPLATE, template_ref(name, conversation_ref)) for name in names
    ]
    text = t("tpl.menu", lang, buyer=buyer_label(buyer_name, lang))
    return Rendered(text, button_rows(buttons, MENU_WIDTH))


def render_template_list(templates: Sequence[tuple[str, str, int]], *, lang: str) -> Rendered:
    """/templates: each ``(name, text, uses)`` with its text exactly as stored."""
    if not templates:
        return Rendered(t("tpl.none", lang))
    lines = [t("tpl.list_title", lang, count=len(templates))]
    lines += [
        t("tpl.list_line", lang, name=name, uses=uses, text=text) for name, text, uses in templates
    ]
    return Rendered("\n\n".join(lines))


def known_placeholders() -> str:
    """The placeholders a template may use, as staff type them (plain text)."""
    return ", ".join("{" + name + "}" for name in KNOWN)


def away_mark(status: str, reason: Html | None = None, *, lang: str) -> Html:
    """The line under a relayed buyer message saying what the away message did."""
    if status == "sent":
        return t("away.sent", lang)
    if status == "unknown":
        return t("away.unknown", lang)
    return t("away.failed", lang, reason=reason if reason is not None else Html("?"))
