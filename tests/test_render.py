"""Tests for bot.render: what the bot says, in which language, with which buttons."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.errors import ErrorKind
from bot.domain.figures import AuditRecord, DayFigures, Outcome, WaitingChat
from bot.domain.values import (
    BuyerMessage,
    CancellationRequest,
    Conversation,
    MarketplaceName,
    Order,
    OrderLine,
    OrderState,
    OrderStatus,
)
from bot.render.base import (
    REJECT_REASON_CODES,
    Button,
    Rendered,
    default_reject_text,
    error_text,
    marketplace_label,
    reject_reason_label,
    state_label,
)
from bot.render.catalogue import LANGUAGES
from bot.render.chats import render_buyer_message, render_chats_list
from bot.render.orders import (
    DIGEST_MAX_ORDERS,
    outcome_line,
    render_cancellation_request,
    render_digest,
    render_order_alert,
    render_order_card,
    render_orders_list,
    render_status_update,
    short_invoice,
)
from bot.render.staff import render_audit, render_parked_notice, render_summary
from tests.factories import (
    NOW,
    assert_telegram_html,
    make_conversation,
    make_order,
    shown,
    width,
)

JAKARTA = ZoneInfo("Asia/Jakarta")
TIKTOKSHOP = MarketplaceName.TIKTOKSHOP


def check(rendered: Rendered) -> str:
    """Assert the text is valid Telegram HTML that fits one message; return what shows."""
    assert_telegram_html(rendered.text)
    assert width(rendered.text) < 4000
    for row in rendered.buttons:
        assert 0 < len(row) <= 8
        assert all(b.label and b.action and b.ref for b in row)
    return shown(rendered.text)


def labels(rendered: Rendered) -> list[tuple[str, str]]:
    return [(b.label, b.action) for row in rendered.buttons for b in row]


class TestLabels:
    def test_marketplace_labels(self) -> None:
        """TikTok Shop orders are labelled "Tokopedia & Shop"."""
        assert marketplace_label("tokopedia") == "Tokopedia"
        assert marketplace_label(TIKTOKSHOP) == "Tokopedia & Shop"

    def test_state_labels(self) -> None:
        """States read in the staff's language; OTHER shows the marketplace code."""
        assert state_label(OrderState.SHIPPING, lang="id") == "Dikirim"
        assert state_label(OrderState.SHIPPING, lang="en") == "Shipped"
        assert state_label(OrderState.OTHER, lang="id", code="11") == "Status lain (11)"

    @pytest.mark.parametrize(
        ("code", "id_text", "en_text"),
        [(1, "Stok habis", "Out of stock"), ("4", "Toko tutup", "Shop closed"),
         (8, "Permintaan pembeli", "Buyer's request"), ("", "Kendala pengiriman",
         "Shipping problem"), (6, "Alasan 6", "Reason 6")],
    )  # fmt: skip
    def test_reject_reasons(self, code: int | str, id_text: str, en_text: str) -> None:
        """Tokopedia reject codes have labels in both languages; unknown codes say so."""
        assert (id_text, en_text) == (
            reject_reason_label(code, lang="id"),
            reject_reason_label(code, lang="en"),
        )

    def test_every_offered_reason_has_texts(self) -> None:
        """Each offered code has a label and a polite Indonesian default for the buyer."""
        assert sorted(REJECT_REASON_CODES) == [0, 1, 2, 3, 4, 5, 7, 8]
        for code in REJECT_REASON_CODES:
            assert reject_reason_label(code, lang="id") != f"Alasan {code}"
            assert default_reject_text(code).startswith(("Mohon maaf", "Pesanan dibatalkan"))
        assert default_reject_text("99") == default_reject_text(5)

    def test_short_invoice(self) -> None:
        """Short ids are the end of the invoice's last segment."""
        assert short_invoice("INV/20261127/MPL/3456789012") == "9012"
        assert short_invoice("577087391234567890", 6) == "567890"


class TestBuyerMessage:
    def test_header_text_time_and_reply_button(self) -> None:
        """A chat shows buyer, shop, the text and the local time, with one Reply button."""
        msg = BuyerMessage(
            conversation=make_conversation(),
            text="Halo kak, ready?",
            received_at=datetime(2026, 11, 27, 3, 32, tzinfo=UTC),
        )
        rendered = render_buyer_message(msg, "Toko Maju", "conv-1", lang="id", tz=JAKARTA)
        assert rendered.text == (
            "💬 <b>Budi</b> · Toko Maju (Tokopedia)\n"
            "<blockquote>Halo kak, ready?</blockquote>\n"
            "🕒 27 Nov 2026 10:32 WIB"
        )
        assert rendered.buttons[0][0] == Button("↩️ Balas", "reply", "conv-1")
        assert rendered.buttons[-1] == (Button("🙋 Saya tangani", "claim", "conv-1"),)

    def test_english(self) -> None:
        """Staff reading English get English labels."""
        msg = BuyerMessage(
            conversation=make_conversation(buyer_name=""), text="hi", received_at=NOW
        )
        rendered = render_buyer_message(msg, "", "c", lang="en", tz=JAKARTA)
        assert check(rendered).startswith("💬 Buyer · Tokopedia\n")
        assert labels(rendered)[0] == ("↩️ Reply", "reply")
        assert labels(rendered)[-1] == ("🙋 I'll handle it", "claim")

    def test_awkward_text_arrives_intact(self) -> None:
        """<, >, &, quotes and emoji in the buyer's text and name show exactly as typed."""
        text = "harga <100rb & gratis ongkir? \"asli\" 'kan' 😀 <script>x</script> a>b"
        msg = BuyerMessage(
            conversation=make_conversation(buyer_name="Sari <3 & Co"), text=text, received_at=NOW
        )
        visible = check(render_buyer_message(msg, "Toko & Co", "c", lang="id", tz=JAKARTA))
        assert text in visible
        assert "Sari <3 & Co" in visible
        assert "Toko & Co" in visible

    def test_product_link_is_a_link(self) -> None:
        """A product link Tokopedia embeds in the chat becomes a real link."""
        text = 'ini <a href="https://www.tokopedia.com/maju/kaos">Kaos Polos</a> ada?'
        msg = BuyerMessage(conversation=make_conversation(), text=text, received_at=NOW)
        rendered = render_buyer_message(msg, "Toko Maju", "c", lang="id", tz=JAKARTA)
        check(rendered)
        assert '<a href="https://www.tokopedia.com/maju/kaos">Kaos Polos</a>' in rendered.text

    def test_long_text_splits_into_valid_chunks(self) -> None:
        """A 5,000-character message splits into valid chunks that add up to the whole text."""
        text = ('Kak <ukuran> & "warna" 😀 ada? ' * 200)[:5000]
        msg = BuyerMessage(conversation=make_conversation(), text=text, received_at=NOW)
        rendered = render_buyer_message(msg, "Toko Maju", "c", lang="id", tz=JAKARTA)
        chunks = rendered.chunks()
        assert len(chunks) == 2
        for chunk in chunks:
            assert_telegram_html(chunk)
            assert width(chunk) <= 4000
        assert "".join(shown(c) for c in chunks) == shown(rendered.text)
        assert text.strip() in shown(rendered.text)

    def test_empty_text(self) -> None:
        """A message without text says so instead of showing an empty quote."""
        msg = BuyerMessage(conversation=make_conversation(), text="  ", received_at=NOW)
        visible = check(render_buyer_message(msg, "T", "c", lang="id", tz=JAKARTA))
        assert "(pesan tanpa teks)" in visible


class TestOrderAlert:
    def test_full_alert_in_indonesian(self) -> None:
        """The alert lists items, total, shipping, deadline and status, escaped."""
        rendered = render_order_alert(
            make_order(buyer_platform="android", shipping=18000), "o-1", lang="id", tz=JAKARTA
        )
        assert rendered.text == (
            "🛒 <b>Pesanan baru</b> · Toko Maju (Tokopedia)\n"
            "🧾 <code>INV/20261127/MPL/3456789012</code>\n"
            "👤 Budi\n"
            "• 2 × Kaos Polos Hitam — Rp150.000 (@Rp75.000)\n"
            "   📝 <i>ukuran L</i>\n"
            "• 1 × Topi &lt;Rimba&gt; &amp; Co — Rp50.000\n"
            "🚚 Ongkos kirim Rp18.000\n"
            "💰 Total <b>Rp218.000</b>\n"
            "🚚 JNE REG · 📍 Jakarta Selatan\n"
            "📱 Dari Aplikasi Android\n"
            "⏰ Terima sebelum <b>27 Nov 2026 12:15 WIB</b>\n"
            "Status: ⏳ <b>Menunggu diterima</b>"
        )
        assert rendered.buttons == (
            (Button("✅ Terima", "accept", "o-1"), Button("❌ Tolak", "reject", "o-1")),
        )

    def test_english(self) -> None:
        """English staff see English headings and buttons."""
        rendered = render_order_alert(make_order(), "o-1", lang="en", tz=JAKARTA)
        visible = check(rendered)
        assert visible.startswith("🛒 New order · Toko Maju (Tokopedia)")
        assert "⏰ Accept by 27 Nov 2026 12:15 WIB" in visible
        assert labels(rendered) == [("✅ Accept", "accept"), ("❌ Reject", "reject")]

    @pytest.mark.parametrize("state", list(OrderState))
    def test_buttons_only_while_awaiting_acceptance(self, state: OrderState) -> None:
        """Accept/Reject appear only while the order awaits acceptance."""
        rendered = render_order_alert(make_order(state), "o", lang="id", tz=JAKARTA)
        check(rendered)
        assert bool(rendered.buttons) == (state is OrderState.AWAITING_ACCEPTANCE)

    @pytest.mark.parametrize(
        ("outcome", "lang", "footer"),
        [
            (Outcome("accepted", "Rina", NOW + timedelta(minutes=32)), "id",
             "✅ Diterima oleh Rina · 10:32"),
            (Outcome("accepted", "Rina", NOW + timedelta(minutes=32)), "en",
             "✅ Accepted by Rina · 10:32"),
            (Outcome("rejected", "Rina <admin>", NOW, "Stok habis"), "id",
             "❌ Ditolak oleh Rina <admin> · 10:00 (Stok habis)"),
            (Outcome("processed", "Andi", NOW), "en", "📦 Processed by Andi · 10:00"),
        ],
    )  # fmt: skip
    def test_outcome_footer_removes_buttons(
        self, outcome: Outcome, lang: str, footer: str
    ) -> None:
        """Once staff decided, the alert shows who, when and why, and no buttons."""
        rendered = render_order_alert(make_order(), "o", lang=lang, tz=JAKARTA, outcome=outcome)
        visible = check(rendered)
        assert visible.endswith("\n" + footer)
        assert rendered.buttons == ()
        assert "⏰" not in visible
        assert "Menunggu" not in visible

    def test_card_uses_a_neutral_title(self) -> None:
        """An order card looked up later is not called new."""
        visible = check(
            render_order_card(make_order(OrderState.SHIPPING), "o", lang="id", tz=JAKARTA)
        )
        assert visible.startswith("🛒 Pesanan · Toko Maju")
        assert "Status: 🚚 Dikirim" in visible

    def test_many_lines_still_fit_one_message(self) -> None:
        """An order with hundreds of long products still fits one editable message."""
        long = "😀" * 300
        line = OrderLine(
            product_id="1", name=long, quantity=3, unit_price=1, total_price=3_000_000, notes=long
        )
        order = make_order(
            lines=(line,) * 300,
            shop_name=long,
            buyer_name=long,
            courier=long,
            service=long,
            destination_city=long,
            buyer_platform=long,
        )
        outcome = Outcome("rejected", long, NOW, long)
        visible = check(render_order_alert(order, "o", lang="id", tz=JAKARTA, outcome=outcome))
        assert "dan 288 produk lainnya" in visible

    def test_minimal_order(self) -> None:
        """Missing optional fields leave no empty lines behind."""
        order = make_order(
            lines=(),
            courier="",
            service="",
            destination_city="",
            buyer_name="",
            accept_deadline=None,
            shop_name="",
        )
        visible = check(render_order_alert(order, "o", lang="id", tz=JAKARTA))
        assert "\n\n" not in visible
        assert "🚚" not in visible


class TestOrderDetails:
    """Status, money and platform lines read the way the marketplace's own app does."""

    def _tiktok(self, state: OrderState = OrderState.AWAITING_ACCEPTANCE) -> Order:
        return make_order(
            state,
            marketplace="tiktokshop",
            status=OrderStatus(code="AWAITING_SHIPMENT", state=state),
            needs_accept=False,
            accept_deadline=None,
        )

    @pytest.mark.parametrize(
        ("lang", "line"), [("id", "Status: 📦 Perlu dikirim"), ("en", "Status: 📦 To ship")]
    )
    def test_marketplace_without_accept_step_says_to_ship(self, lang: str, line: str) -> None:
        """A Tokopedia & Shop order has no accept step: it is "Perlu dikirim", not waiting."""
        visible = check(render_order_alert(self._tiktok(), "o", lang=lang, tz=JAKARTA))
        assert visible.endswith(line)
        assert "Menunggu" not in visible
        assert "Awaiting" not in visible

    def test_status_update_to_ship(self) -> None:
        """A status webhook back to AWAITING_SHIPMENT reads "Perlu dikirim" too."""
        status = OrderStatus(code="AWAITING_SHIPMENT", state=OrderState.AWAITING_ACCEPTANCE)
        rendered = render_status_update(self._tiktok(), status, lang="id", tz=JAKARTA)
        assert rendered.text.endswith("→ 📦 <b>Perlu dikirim</b>")

    def test_tokopedia_still_waits_for_acceptance(self) -> None:
        """Tokopedia keeps its accept step and its text."""
        visible = check(render_order_alert(make_order(), "o", lang="id", tz=JAKARTA))
        assert visible.endswith("Status: ⏳ Menunggu diterima")
        assert state_label(OrderState.AWAITING_ACCEPTANCE, lang="id") == "Menunggu diterima"

    @pytest.mark.parametrize("lang", ["id", "en"])
    def test_shipping_and_discount_make_the_total_add_up(self, lang: str) -> None:
        """One Rp18.000 item with Rp14.000 shipping and Rp2.000 off: all three shown."""
        line = OrderLine(product_id="1", name="Kaos", quantity=1, unit_price=18000,
                         total_price=18000)  # fmt: skip
        order = make_order(lines=(line,), total=30000, shipping=14000, discount=2000)
        visible = check(render_order_alert(order, "o", lang=lang, tz=JAKARTA))
        shipping, discount = {"id": ("Ongkos kirim", "Diskon"), "en": ("Shipping", "Discount")}[
            lang
        ]
        assert f"🚚 {shipping} Rp14.000\n🏷️ {discount} −Rp2.000\n💰 Total Rp30.000" in visible

    def test_no_shipping_line_when_unknown(self) -> None:
        """Without shipping or discount figures there is no empty money line."""
        visible = check(render_order_alert(make_order(), "o", lang="id", tz=JAKARTA))
        assert "Ongkos kirim" not in visible
        assert "Diskon" not in visible

    @pytest.mark.parametrize(
        ("raw", "lang", "shown"),
        [
            ("android", "id", "📱 Dari Aplikasi Android"),
            ("ANDROID", "en", "📱 Via Android app"),
            ("ios", "id", "📱 Dari Aplikasi iOS"),
            ("desktop", "id", "📱 Dari Web"),
            ("mweb", "en", "📱 Via Mobile web"),
            ("Tokopedia & Shop", "id", "📱 Dari Tokopedia & Shop"),
        ],
    )  # fmt: skip
    def test_platform_in_words(self, raw: str, lang: str, shown: str) -> None:
        """Staff read where the buyer ordered from, not the raw device value."""
        visible = check(render_order_alert(make_order(buyer_platform=raw), "o", lang=lang,
                                           tz=JAKARTA))  # fmt: skip
        assert shown in visible

    @pytest.mark.parametrize("raw", ["unknown", "0", "some_new_app", "  "])
    def test_meaningless_platform_is_left_out(self, raw: str) -> None:
        """A raw code we cannot put into words is not shown at all."""
        visible = check(render_order_alert(make_order(buyer_platform=raw), "o", lang="id",
                                           tz=JAKARTA))  # fmt: skip
        assert "📱" not in visible

    def test_chat_platform_in_words(self) -> None:
        """A buyer chat from the Android app says so in words."""
        msg = BuyerMessage(
            conversation=make_conversation(buyer_platform="android"), text="Halo", received_at=NOW
        )
        visible = check(render_buyer_message(msg, "T", "c", lang="id", tz=JAKARTA))
        assert "📱 Dari Aplikasi Android" in visible


class TestStatusUpdate:
    def test_status_change(self) -> None:
        """A status change is one short line with the new state."""
        rendered = render_status_update(
            make_order(), OrderStatus(code="500", state="shipping"), lang="id", tz=JAKARTA
        )
        assert rendered.text == ("📦 <code>INV/20261127/MPL/3456789012</code> → 🚚 <b>Dikirim</b>")
        assert rendered.buttons == ()

    @pytest.mark.parametrize(("lang", "marker"), [("id", "dibatalkan"), ("en", "cancelled")])
    def test_cancellation_stands_out(self, lang: str, marker: str) -> None:
        """Cancellations are clearly marked."""
        visible = check(
            render_status_update(
                make_order(), OrderStatus(code="0", state="cancelled"), lang=lang, tz=JAKARTA
            )
        )
        assert visible.startswith("🚫")
        assert marker in visible.lower()


class TestCancellationRequest:
    def test_request_with_reason_and_buttons(self) -> None:
        """A buyer's request shows the escaped reason, the deadline and approve/decline."""
        request = CancellationRequest(
            marketplace="tokopedia",
            shop_id="11",
            order_id="777",
            reason="Salah <ukuran> & warna",
            deadline=NOW + timedelta(days=2),
        )
        rendered = render_cancellation_request(make_order(), request, "x-1", lang="id", tz=JAKARTA)
        visible = check(rendered)
        assert visible.startswith("🙋 Pembeli minta batal · Toko Maju (Tokopedia)")
        assert "💬 Alasan: Salah <ukuran> & warna" in visible
        assert "⏰ Tanggapi sebelum 29 Nov 2026 10:00 WIB" in visible
        assert labels(rendered) == [
            ("✅ Setujui pembatalan", "cancel_ok"),
            ("❌ Tolak permintaan", "cancel_no"),
        ]

    def test_decided_request(self) -> None:
        """After a decision the request shows it and offers no buttons."""
        request = CancellationRequest(marketplace="tokopedia", shop_id="11", order_id="777")
        rendered = render_cancellation_request(
            make_order(),
            request,
            "x",
            lang="en",
            tz=JAKARTA,
            outcome=Outcome("cancel_approved", "Rina", NOW),
        )
        visible = check(rendered)
        assert "No reason given" in visible
        assert visible.endswith("🆗 Cancellation approved by Rina · 10:00")
        assert rendered.buttons == ()


def _digest_orders(count: int) -> list[tuple[Order, str]]:
    shops = ["Toko Maju Jaya Abadi Sentosa Official Store", "Grosir Kaos Bandung", "Rimba & Co"]
    orders = []
    for i in range(count):
        lines = tuple(
            OrderLine(
                product_id=str(j),
                name=f"Produk {j}",
                quantity=1 + j % 3,
                unit_price=99000,
                total_price=99000 * (1 + j % 3),
            )
            for j in range(1 + i % 5)
        )
        order = make_order(
            invoice=f"INV/20261127/MPL/{3456789000 + i * 7919}",
            order_id=str(1000 + i),
            shop_name=shops[i % 3],
            marketplace=TIKTOKSHOP if i % 2 else "tokopedia",
            lines=lines,
            total=12_345_678 - i * 1000,
            accept_deadline=NOW + timedelta(hours=20 - i % 7, minutes=i),
        )
        orders.append((order, f"ref-{i}"))
    return orders


class TestDigest:
    @pytest.mark.parametrize("lang", LANGUAGES)
    def test_full_digest_fits(self, lang: str) -> None:
        """48 realistic orders fit one message with one button per order."""
        orders = _digest_orders(DIGEST_MAX_ORDERS)
        rendered = render_digest(orders, lang=lang, tz=JAKARTA)
        check(rendered)
        buttons = [b for row in rendered.buttons for b in row]
        assert sorted(b.ref for b in buttons) == sorted(ref for _, ref in orders)
        assert {b.action for b in buttons} == {"order"}
        assert len({b.label for b in buttons}) == DIGEST_MAX_ORDERS
        assert len(buttons) <= 100
        assert all(len(row) <= 8 for row in rendered.buttons)

    def test_lines_match_buttons(self) -> None:
        """Each order's line shows the same short id as its button, plus items and total."""
        orders = _digest_orders(3)
        rendered = render_digest(orders, lang="id", tz=JAKARTA)
        visible = check(rendered)
        assert visible.startswith("🛒 3 pesanan baru")
        for button in (b for row in rendered.buttons for b in row):
            assert f"\n{button.label} · " in visible
        assert "#9000 · 1 brg · Rp12.345.678 · ⏰ 28 Nov 06:00" in visible

    def test_too_many_orders_are_refused(self) -> None:
        """The caller must keep digests to DIGEST_MAX_ORDERS."""
        with pytest.raises(ValueError, match="at most 48"):
            render_digest(_digest_orders(DIGEST_MAX_ORDERS + 1), lang="id", tz=JAKARTA)

    def test_colliding_short_ids_are_lengthened(self) -> None:
        """Invoices ending alike get longer short ids."""
        orders = [(make_order(invoice=f"INV/1/MPL/{n}9012"), str(n)) for n in range(3)]
        rendered = render_digest(orders, lang="id", tz=JAKARTA)
        assert [b.label for row in rendered.buttons for b in row] == ["#09012", "#19012", "#29012"]


class TestOrdersList:
    def test_soonest_deadline_first_with_time_left(self) -> None:
        """Waiting orders are listed soonest first, with time left or overdue."""
        late = make_order(invoice="INV/1/MPL/1111", accept_deadline=NOW - timedelta(minutes=5))
        soon = make_order(invoice="INV/1/MPL/2222", accept_deadline=NOW + timedelta(minutes=35))
        later = make_order(invoice="INV/1/MPL/3333", accept_deadline=None)
        rendered = render_orders_list(
            [(later, "c"), (soon, "b"), (late, "a")], now=NOW, lang="id", tz=JAKARTA
        )
        visible = check(rendered)
        assert visible.splitlines() == [
            "⏳ Pesanan menunggu diterima (3)",
            "#1111 · Toko Maju (Tokopedia) · Rp218.000 · 27 Nov 09:55 (⚠️ lewat 5 menit)",
            "#2222 · Toko Maju (Tokopedia) · Rp218.000 · 27 Nov 10:35 (⏳ 35 menit lagi)",
            "#3333 · Toko Maju (Tokopedia) · Rp218.000",
        ]
        assert [(b.label, b.ref) for row in rendered.buttons for b in row] == [
            ("#1111", "a"),
            ("#2222", "b"),
            ("#3333", "c"),
        ]

    @pytest.mark.parametrize(("lang", "text"), [("id", "Tidak ada pesanan"), ("en", "No orders")])
    def test_empty(self, lang: str, text: str) -> None:
        """No waiting orders is good news, said kindly."""
        rendered = render_orders_list([], now=NOW, lang=lang, tz=JAKARTA)
        assert check(rendered).startswith(text)
        assert rendered.buttons == ()

    def test_long_list_is_capped(self) -> None:
        """A very long list shows the first orders and counts the rest."""
        rendered = render_orders_list(_digest_orders(48) * 2, now=NOW, lang="en", tz=JAKARTA)
        visible = check(rendered)
        assert "… and 66 more" in visible
        assert sum(len(row) for row in rendered.buttons) == 30

    def test_worst_case_fits(self) -> None:
        """Long names, big totals and overdue deadlines still fit one message."""
        orders = [
            (make_order(invoice=f"INV/{i}/{i:020}", shop_name="😀" * 100, marketplace=TIKTOKSHOP,
                        total=-999_999_999_999, accept_deadline=NOW - timedelta(days=3, hours=23)),
             str(i))
            for i in range(100)
        ]  # fmt: skip
        check(render_orders_list(orders, now=NOW, lang="id", tz=JAKARTA))


class TestChatsList:
    def test_oldest_first_with_age_and_buttons(self) -> None:
        """Waiting chats are listed oldest first, with age, preview and a Reply button each."""
        sari = make_conversation(buyer_name="Sari <3", marketplace=TIKTOKSHOP)
        chats = [
            (make_conversation(), NOW - timedelta(minutes=35), "ready kak?", "r-budi"),
            (
                sari,
                NOW - timedelta(hours=2, minutes=15),
                'ini <a href="https://t.co/x">Kaos</a>',
                "r-sari",
            ),
        ]
        rendered = render_chats_list(chats, now=NOW, lang="id", tz=JAKARTA)
        visible = check(rendered)
        assert visible.splitlines() == [
            "💬 Chat menunggu balasan (2)",
            "1. Sari <3 · Tokopedia & Shop · ⏱️ 2 jam 15 menit lalu (07:45)",
            "   ini Kaos",
            "2. Budi · Tokopedia · ⏱️ 35 menit lalu (09:25)",
            "   ready kak?",
        ]
        assert rendered.buttons == (
            (Button("↩️ 1 · Sari <3", "reply", "r-sari"),),
            (Button("↩️ 2 · Budi", "reply", "r-budi"),),
        )

    def test_worst_case_fits(self) -> None:
        """Many old chats with long names and texts still fit one message."""
        conv = make_conversation(buyer_name="😀" * 100, marketplace=TIKTOKSHOP)
        chats = [(conv, NOW - timedelta(days=25, hours=23), "😀" * 500, str(i)) for i in range(99)]
        rendered = render_chats_list(chats, now=NOW, lang="en", tz=JAKARTA)
        assert "… and 79 more" in check(rendered)
        assert len(rendered.buttons) == 20

    def test_empty(self) -> None:
        """No waiting chats is said kindly."""
        rendered = render_chats_list([], now=NOW, lang="en", tz=JAKARTA)
        assert check(rendered) == "No buyer chats are waiting for a reply. 👍"


class TestNotices:
    def test_parked_notice_is_escaped(self) -> None:
        """A parked event names itself and its error, escaped."""
        rendered = render_parked_notice("Pesanan <INV/1>", "HTTP 400: a & b", lang="en")
        visible = check(rendered)
        assert "Pesanan <INV/1>" in visible
        assert "Error: HTTP 400: a & b" in visible

    @pytest.mark.parametrize("kind", list(ErrorKind))
    @pytest.mark.parametrize("lang", LANGUAGES)
    def test_every_error_kind_has_text(self, kind: ErrorKind, lang: str) -> None:
        """Every error kind explains itself in both languages."""
        text = error_text(kind, "<detail> & more", lang=lang)
        assert_telegram_html(text)
        assert len(shown(text)) > 20

    def test_error_details_where_useful(self) -> None:
        """An invalid request shows the marketplace's detail; unknown outcomes warn."""
        assert shown(error_text(ErrorKind.INVALID, "alasan <wajib>", lang="id")) == (
            "⚠️ Marketplace menolak permintaan: alasan <wajib>"
        )
        assert "cek di Seller Center" in error_text(ErrorKind.OUTCOME_UNKNOWN, lang="id")
        assert "Coba lagi" in error_text(ErrorKind.RATE_LIMITED, "x", lang="id")


class TestStaffReports:
    def test_audit_lines_show_result_actor_action_and_failure_detail(self) -> None:
        """Each audit record is one escaped line; a detail is shown only for a failure."""
        entries = [
            AuditRecord(at=NOW, actor_id=1, actor_name="Rina <admin>", action="reject",
                        marketplace="tokopedia", shop_id="11", result="failed",
                        order_id="777", text="Stok habis", detail="<timeout>"),
            AuditRecord(at=NOW + timedelta(minutes=5), actor_id=1, actor_name="Rina",
                        action="accept", marketplace="tokopedia", shop_id="11", result="ok",
                        detail="not shown"),
        ]  # fmt: skip
        rendered = render_audit("INV/1", entries, lang="en", tz=JAKARTA)
        assert check(rendered).splitlines() == [
            "🗂️ History of INV/1",
            "❌ 27 Nov 10:00 · Rina <admin> · rejected the order: Stok habis (<timeout>)",
            "✅ 27 Nov 10:05 · Rina · accepted the order",
        ]
        assert check(render_audit("INV/1", [], lang="en", tz=JAKARTA)) == (
            "🗂️ No actions recorded for INV/1 yet."
        )

    def test_summary_names_the_oldest_waiting_buyer_and_staff_counts(self) -> None:
        """The summary gives the median response, the longest wait and each staff's actions."""
        figures = DayFigures(
            new_orders=2, new_value=300000, accepted=1, accepted_value=100000,
            chats_received=3, chats_answered=2, response_seconds=[60.0, 300.0, 600.0],
            oldest_waiting=WaitingChat("Budi", NOW - timedelta(hours=1)),
            per_staff={"Rina": {"accept": 2, "reply": 1}},
        )  # fmt: skip
        day = date(2026, 11, 27)
        visible = check(render_summary(figures, day, lang="en", tz=JAKARTA, now=NOW))
        assert "⏱️ Median time to first response: 5 min" in visible
        assert "🕰️ Oldest unanswered chat: Budi, since 27 Nov 09:00 (1 h)" in visible
        assert "Rina: 2 × accepted the order, 1 × replied" in visible
        empty = check(render_summary(DayFigures(), day, lang="en", tz=JAKARTA, now=NOW))
        assert "🎉 No chat is waiting for an answer." in empty
        assert "No staff actions today yet." in empty

    def test_unknown_outcome_verb_is_shown_as_stored(self) -> None:
        """A stored verb this version does not know is shown as it is, not refused."""
        assert outcome_line(Outcome("archived", "Rina", NOW), lang="en", tz=JAKARTA) == (
            "ℹ️ archived · Rina · 10:00"
        )


class TestNoTikTok:
    @pytest.mark.parametrize("lang", LANGUAGES)
    def test_tiktokshop_output_never_says_tiktok(self, lang: str) -> None:
        """Everything rendered for a TikTok Shop order or chat says "Tokopedia & Shop"."""
        order = make_order(marketplace=TIKTOKSHOP)
        conv = make_conversation(marketplace=TIKTOKSHOP)
        request = CancellationRequest(marketplace=TIKTOKSHOP, shop_id="1", order_id="777")
        outputs = [
            render_order_alert(order, "o", lang=lang, tz=JAKARTA),
            render_cancellation_request(order, request, "x", lang=lang, tz=JAKARTA),
            render_digest([(order, "o")], lang=lang, tz=JAKARTA),
            render_orders_list([(order, "o")], now=NOW, lang=lang, tz=JAKARTA),
            render_chats_list([(conv, NOW, "hi", "c")], now=NOW, lang=lang, tz=JAKARTA),
            render_buyer_message(
                BuyerMessage(conversation=conv, text="hi", received_at=NOW),
                "Toko",
                "c",
                lang=lang,
                tz=JAKARTA,
            ),
        ]
        for rendered in outputs:
            assert "Tokopedia &amp; Shop" in rendered.text
            everything = rendered.text + " ".join(label for label, _ in labels(rendered))
            assert "tiktok" not in everything.lower()


class TestNonTextMessages:
    def _message(self, **fields):
        conversation = Conversation(
            marketplace=MarketplaceName.TIKTOKSHOP,
            shop_id="1",
            conversation_id="c",
            buyer_id="b",
            buyer_name="Dewi",
            buyer_platform="Tokopedia",
        )
        return BuyerMessage(
            conversation=conversation,
            received_at=datetime(2026, 11, 27, 3, tzinfo=UTC),
            **fields,
        )

    def test_image_is_shown_as_a_link_with_its_kind(self):
        """An image message says it is an image and links to it, escaped."""
        message = self._message(
            text="",
            attachment_kind="image",
            attachment_url="https://cdn.example.com/a.jpg?x=1&y=2",
        )
        rendered = render_buyer_message(
            message, "Toko", "c", lang="id", tz=ZoneInfo("Asia/Jakarta")
        )
        assert "🖼️ Gambar" in rendered.text
        assert 'href="https://cdn.example.com/a.jpg?x=1&amp;y=2"' in rendered.text
        assert "(pesan tanpa teks)" not in rendered.text
        assert "Tokopedia & Shop" in rendered.text.replace("&amp;", "&")
        assert "TikTok" not in rendered.text

    def test_product_card_keeps_its_title_and_refuses_unsafe_links(self):
        """A product card shows its title; a javascript: link is not made clickable."""
        message = self._message(
            text="Kaos Polos <XL>", attachment_kind="product", attachment_url="javascript:alert(1)"
        )
        rendered = render_buyer_message(
            message, "Toko", "c", lang="en", tz=ZoneInfo("Asia/Jakarta")
        )
        assert "Product card" in rendered.text
        assert "Kaos Polos &lt;XL&gt;" in rendered.text
        assert "javascript" not in rendered.text
