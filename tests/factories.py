"""Builders of domain values, and the Telegram-HTML checker the rendering tests share."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

from bot.domain.values import Conversation, Order, OrderLine, OrderState, OrderStatus

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)  # 10:00 WIB

# --- domain values ----------------------------------------------------------------------------


def make_conversation(**overrides: object) -> Conversation:
    values: dict[str, object] = {
        "marketplace": "tokopedia", "shop_id": "11", "conversation_id": "900",
        "buyer_id": "5", "buyer_name": "Budi",
    }  # fmt: skip
    return Conversation.model_validate(values | overrides)


def make_order(state: OrderState = OrderState.AWAITING_ACCEPTANCE, **overrides: object) -> Order:
    values: dict[str, object] = {
        "marketplace": "tokopedia",
        "shop_id": "11",
        "order_id": "777",
        "invoice": "INV/20261127/MPL/3456789012",
        "status": OrderStatus(code="220", state=state),
        "lines": (
            OrderLine(product_id="1", name="Kaos Polos Hitam", quantity=2, unit_price=75000,
                      total_price=150000, notes="ukuran L"),
            OrderLine(product_id="2", name="Topi <Rimba> & Co", quantity=1, unit_price=50000,
                      total_price=50000),
        ),
        "total": 218000,
        "shop_name": "Toko Maju",
        "buyer_name": "Budi",
        "courier": "JNE",
        "service": "REG",
        "destination_city": "Jakarta Selatan",
        "accept_deadline": NOW + timedelta(hours=2, minutes=15),
    }  # fmt: skip
    return Order.model_validate(values | overrides)


# --- a small Telegram-HTML checker (docs/telegram.md §7) --------------------------------------

_ALLOWED_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
    "blockquote", "tg-spoiler", "span", "tg-emoji",
}  # fmt: skip
_TOKEN_RE = re.compile(r"<[^>]*>|&[^;\s<>]*;?|[<>]")
_TAG_RE = re.compile(r'<(/?)([a-z][a-z-]*)((?:\s+[a-z-]+(?:="[^"<>]*")?)*)\s*>')
_ENTITY_RE = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);")
_ALLOWED_ATTRS = {
    "a": re.compile(r'\s+href="https?://[^"]+"'),
    "span": re.compile(r'\s+class="tg-spoiler"'),
    "code": re.compile(r'\s+class="language-[\w+-]+"'),
    "blockquote": re.compile(r"\s+expandable"),
    "tg-emoji": re.compile(r'\s+emoji-id="\d+"'),
}


def assert_telegram_html(markup: str) -> None:
    """Fail unless ``markup`` uses allowed tags, nests properly and has no bare < > or &."""
    stack: list[str] = []
    for token in _TOKEN_RE.findall(markup):
        if token.startswith("&"):
            assert _ENTITY_RE.fullmatch(token), f"bare & or bad entity {token!r} in {markup!r}"
            continue
        tag = _TAG_RE.fullmatch(token)
        assert tag, f"bare < or > or malformed tag {token!r} in {markup!r}"
        closing, name, attrs = tag.groups()
        assert name in _ALLOWED_TAGS, f"tag {name!r} not allowed"
        if closing:
            assert not attrs
            assert stack, f"{token} closes nothing in {markup!r}"
            assert stack.pop() == name, f"{token} closes the wrong tag in {markup!r}"
        else:
            pattern = _ALLOWED_ATTRS.get(name)
            assert not attrs or (pattern and pattern.fullmatch(attrs)), f"attrs in {token!r}"
            stack.append(name)
    assert not stack, f"unclosed {stack} in {markup!r}"


def shown(markup: str) -> str:
    """What Telegram displays for ``markup``, computed independently of bot.render.formatting."""
    return html.unescape(re.sub(r"<[^>]*>", "", markup))


def width(markup: str) -> int:
    """Visible length in UTF-16 code units."""
    return len(shown(markup).encode("utf-16-le")) // 2
