"""Buyer media and cards in words (bot.render.chat_media through render_buyer_message)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.domain.values import BuyerMessage, Conversation, MarketplaceName
from bot.domain.vocab import ButtonAction
from bot.render.chat_media import MediaNote
from bot.render.chats import render_buyer_message

TZ = ZoneInfo("Asia/Jakarta")


def _message(kind: str, text: str = "", url: str = "", ref: str = "") -> BuyerMessage:
    return BuyerMessage(
        conversation=Conversation(
            marketplace=MarketplaceName("tiktokshop"),
            shop_id="1",
            conversation_id="c1",
            buyer_id="b",
            buyer_name="Dewi",
        ),
        text=text,
        received_at=datetime(2026, 12, 6, 3, tzinfo=UTC),
        attachment_kind=kind,
        attachment_url=url,
        attachment_ref=ref,
    )


def _actions(rendered) -> list[ButtonAction]:
    return [button.action for row in rendered.buttons for button in row]


def test_a_shown_photo_has_no_link_to_its_token_gated_url():
    message = _message("image", url="https://p16.test/secret.jpeg")
    rendered = render_buyer_message(
        message, "Toko", "c1", lang="id", tz=TZ, media=MediaNote("shown")
    )
    assert "🖼️ Gambar" in rendered.text
    assert "href" not in rendered.text
    assert ButtonAction.REPLY in _actions(rendered)


def test_a_photo_that_could_not_be_fetched_says_so_and_offers_a_retry():
    message = _message("image", text="ini kak", url="https://p16.test/a.jpeg")
    note = MediaNote("failed", retry_ref='{"c": "c1"}')
    rendered = render_buyer_message(message, "Toko", "c1", lang="id", tz=TZ, media=note)
    assert "📷 foto tidak dapat diambil" in rendered.text
    assert "ini kak" in rendered.text  # the text around the photo is kept
    assert ButtonAction.SHOW_MEDIA in _actions(rendered)


def test_a_large_video_is_a_note_with_its_size():
    note = MediaNote("too_big", size=26_000_000, limit=20 * 1024 * 1024)
    rendered = render_buyer_message(
        _message("video", url="https://v.test/a.mp4"), "Toko", "c1", lang="en", tz=TZ, media=note
    )
    assert "24,8 MB" in rendered.text
    assert "at most 20 MB" in rendered.text


def test_an_order_card_is_its_number_with_a_button_to_tokobots_card():
    rendered = render_buyer_message(
        _message("order", text="[ORDER_CARD]", ref="576653688135300001"), "Toko", "c1",
        lang="id", tz=TZ,
    )  # fmt: skip
    assert "576653688135300001" in rendered.text
    order = [b for row in rendered.buttons for b in row if b.action is ButtonAction.ORDER]
    assert [b.ref for b in order] == ["576653688135300001"]


def test_an_emoticon_shows_its_emoji_escaped_and_nothing_else():
    rendered = render_buyer_message(
        _message("sticker", text="<3 😍"), "Toko", "c1", lang="id", tz=TZ
    )
    assert "&lt;3 😍" in rendered.text
    assert "Stiker" not in rendered.text
