"""Rendering a return request: escaped buyer text, Jakarta time, buttons only while open."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.domain.figures import Outcome
from bot.domain.values import MarketplaceName, ReturnLine, ReturnRequest, ReturnState
from bot.render.formatting import visible_text
from bot.render.returns import render_return_alert, render_return_reminder
from tests.factories import assert_telegram_html

JAKARTA = ZoneInfo("Asia/Jakarta")
REQUEST = ReturnRequest(
    marketplace=MarketplaceName.TIKTOKSHOP,
    shop_id="7495540735365777507",
    order_id="576653688135300001",
    return_id="4035300000000000001",
    status_code="RETURN_OR_REFUND_REQUEST_PENDING",
    state=ReturnState.AWAITING_SELLER,
    kind="refund",
    awaiting_seller=True,
    reason="Rusak <b>parah</b> & bocor",
    refund=170000,
    lines=(ReturnLine(name="Kopi <Gayo>", variant="250g", quantity=2, refund=170000),),
    deadline=datetime(2026, 12, 8, 3, 0, tzinfo=UTC),
)


def _labels(rendered):
    return [button.label for row in rendered.buttons for button in row]


def test_buyer_text_is_shown_exactly_and_the_deadline_in_jakarta_time():
    rendered = render_return_alert(
        REQUEST, REQUEST.return_id, shop_name="Toko <Maju>", lang="id", tz=JAKARTA
    )
    assert_telegram_html(rendered.text)
    shown = visible_text(rendered.text)
    assert "Rusak <b>parah</b> & bocor" in shown
    assert "2 × Kopi <Gayo> · 250g" in shown
    assert "Toko <Maju> (Tokopedia & Shop)" in shown
    assert "8 Des 2026 10:00 WIB" in shown
    assert _labels(rendered) == ["✅ Setujui", "❌ Tolak"]


def test_answered_request_shows_who_and_no_buttons_in_english():
    outcome = Outcome("return_rejected", "Rina", datetime(2026, 12, 6, 4, 0, tzinfo=UTC), "Used")
    rendered = render_return_alert(
        REQUEST, "x", shop_name="", lang="en", tz=JAKARTA, outcome=outcome, answered=True
    )
    shown = visible_text(rendered.text)
    assert "Rejected by Rina · 11:00 (Used)" in shown
    assert "Answer by" not in shown
    assert rendered.buttons == ()


def test_last_reminder_names_the_admins():
    now = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)
    assert REQUEST.deadline is not None
    plain = render_return_reminder(REQUEST, "x", REQUEST.deadline, now=now, lang="id", tz=JAKARTA)
    last = render_return_reminder(
        REQUEST, "x", REQUEST.deadline, now=now, admins=(111,), lang="id", tz=JAKARTA
    )
    assert "tg://user?id=111" not in plain.text
    assert "tg://user?id=111" in last.text
    assert "1 jam lagi" in visible_text(last.text)


def test_photo_button_counts_the_buyers_photos_and_outlives_the_answer():
    """N photos: "Lihat foto (N)" under Approve/Reject, kept once answered; photos that could
    not be counted: a button without a number; none: no button at all."""
    with_two = REQUEST.model_copy(update={"photos": 2})
    open_alert = render_return_alert(with_two, "r", shop_name="", lang="id", tz=JAKARTA)
    assert _labels(open_alert) == ["✅ Setujui", "❌ Tolak", "📷 Lihat foto (2)"]
    answered = render_return_alert(
        with_two, "r", shop_name="", lang="en", tz=JAKARTA, answered=True
    )
    assert _labels(answered) == ["📷 See photos (2)"]
    unknown = REQUEST.model_copy(update={"photos": None})
    assert (
        _labels(render_return_alert(unknown, "r", shop_name="", lang="id", tz=JAKARTA))[-1]
        == "📷 Foto pembeli"
    )
    assert "📷" not in "".join(
        _labels(render_return_alert(REQUEST, "r", shop_name="", lang="id", tz=JAKARTA))
    )
