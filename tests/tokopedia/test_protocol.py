from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.domain.values import OrderState
from bot.marketplaces.lenient import parse_money
from bot.marketplaces.tokopedia.errors import (
    InvalidRequest,
    NotFound,
    PermissionDenied,
    RateLimited,
    RejectionInvalid,
    ServerError,
    TokopediaError,
)
from bot.marketplaces.tokopedia.protocol import (
    MAX_WINDOW,
    order_status,
    parse_reset_after,
    parse_time,
    sign,
    split_windows,
    unwrap_envelope,
    validate_rejection,
    verify_signature,
)
from tests.tokopedia.conftest import sample, sample_bytes

SECRET = "webhook-secret"
TODAY = date(2025, 6, 2)


class TestVerifySignature:
    body = sample_bytes("webhook_order_notification.json")

    def test_accepts_the_lowercase_hex_hmac_of_the_raw_body(self):
        """A webhook signed with the registered secret is accepted."""
        assert verify_signature(self.body, sign(self.body, SECRET), SECRET)

    def test_accepts_uppercase_hex(self):
        """Hex case in the header does not matter."""
        assert verify_signature(self.body, sign(self.body, SECRET).upper(), SECRET)

    def test_rejects_a_changed_body(self):
        """One changed byte in the body makes the signature fail."""
        signature = sign(self.body, SECRET)
        assert not verify_signature(self.body.replace(b"220", b"221"), signature, SECRET)

    def test_rejects_a_signature_made_with_another_secret(self):
        """A sender without our secret cannot forge a webhook."""
        assert not verify_signature(self.body, sign(self.body, "guess"), SECRET)

    @pytest.mark.parametrize("header", [None, "", "   ", "not-hex", "é" * 64])
    def test_rejects_missing_empty_or_malformed_headers(self, header):
        """An unsigned or garbled webhook is refused rather than crashing."""
        assert not verify_signature(self.body, header, SECRET)

    def test_refuses_everything_when_no_secret_is_configured(self):
        """An unset secret fails closed instead of accepting empty-key signatures."""
        assert not verify_signature(self.body, sign(self.body, ""), "")


class TestUnwrapEnvelope:
    def test_returns_data_of_the_main_envelope(self):
        """A successful response yields its data."""
        assert unwrap_envelope(200, sample("api_ack_ok.json")) == "success"

    @pytest.mark.parametrize("code", [0, 200, "0", "200", "", None])
    def test_numeric_and_empty_success_codes_are_success(self, code):
        """error_code 0/200 as int or string means success."""
        payload = {"header": {"messages": "success", "error_code": code}, "data": [1]}
        assert unwrap_envelope(200, payload) == [1]

    def test_raises_the_class_of_the_error_code_with_its_reason(self):
        """ORD_API_008 surfaces as NotFound carrying Tokopedia's reason."""
        with pytest.raises(NotFound) as caught:
            unwrap_envelope(400, sample("api_single_order_not_found.json"))
        assert caught.value.code == "ORD_API_008"
        assert "Data Not Found" in caught.value.message
        assert caught.value.status == 400

    def test_numeric_500_error_code_is_a_server_error_even_under_http_200(self):
        """A header error_code of 500 is a failure, not data."""
        with pytest.raises(ServerError):
            unwrap_envelope(200, sample("api_server_error_numeric.json"))

    def test_error_code_zero_with_a_reason_under_http_400_is_invalid(self):
        """The documented 'invalid shop_id format' failure (error_code 0) is an error."""
        with pytest.raises(InvalidRequest, match="invalid shop_id format"):
            unwrap_envelope(400, sample("api_list_replies_bad_shop.json"))

    def test_a_reason_without_data_is_a_failure_even_under_http_200(self):
        """A reason with null data is read as an error, never as an empty result."""
        with pytest.raises(InvalidRequest):
            unwrap_envelope(200, sample("api_list_replies_bad_shop.json"))

    def test_rbac_codes_are_permission_errors(self):
        """RBAC_MDLW_001 (fs_id not tied to the shop) is a permission problem."""
        with pytest.raises(PermissionDenied):
            unwrap_envelope(403, sample("api_forbidden.json"))

    def test_returns_data_of_the_legacy_envelope(self):
        """The data/status/error_message envelope is accepted too."""
        assert unwrap_envelope(200, sample("api_register_ok.json")) == "success"

    def test_legacy_failure_raises_with_its_error_messages(self):
        """A legacy '400 Bad Request' raises InvalidRequest with the listed messages."""
        with pytest.raises(InvalidRequest, match="bad input data") as caught:
            unwrap_envelope(200, sample("api_register_fail.json"))
        assert caught.value.status == 400

    def test_429_without_envelope_is_rate_limited_with_its_reset(self):
        """A bare 429 becomes RateLimited carrying the reset delay."""
        with pytest.raises(RateLimited) as caught:
            unwrap_envelope(429, None, reset_after=1.5)
        assert caught.value.reset_after == 1.5

    def test_html_502_is_a_server_error(self):
        """A proxy error page (no JSON) is reported as unavailable."""
        with pytest.raises(ServerError):
            unwrap_envelope(502, None)

    def test_unknown_shape_under_200_is_an_error(self):
        """A 200 body in neither envelope is not silently accepted."""
        with pytest.raises(TokopediaError, match="neither envelope"):
            unwrap_envelope(200, {"result": "ok"})


class TestParseResetAfter:
    @pytest.mark.parametrize(
        ("header", "seconds"),
        [("-0.000000", 0.0), ("2.5", 2.5), (" 1 ", 1.0), (None, None), ("soon", None)],
    )
    def test_reads_seconds(self, header, seconds):
        """The header's seconds are read; quota-left and garbage values don't cause waits."""
        assert parse_reset_after(header) == seconds


class TestParseMoney:
    @pytest.mark.parametrize(
        ("value", "rupiah"),
        [(98784, 98784), (98784.0, 98784), (12500.5, 12501), ("15000", 15000), (None, 0)],
    )
    def test_amounts_become_whole_rupiah(self, value, rupiah):
        """Ints, floats and numeric strings become whole Rupiah, halves rounding up."""
        assert parse_money(value) == rupiah

    @pytest.mark.parametrize("value", [True, "Rp lima", float("nan")])
    def test_non_amounts_are_refused(self, value):
        """A boolean or text is not silently read as a price."""
        with pytest.raises(ValueError, match="amount"):
            parse_money(value)


class TestParseTime:
    def test_iso_with_zulu(self):
        """Get Single Order's ISO timestamps keep their microseconds and UTC offset."""
        assert parse_time("2017-07-20T17:50:58.061156Z") == datetime(
            2017, 7, 20, 17, 50, 58, 61156, tzinfo=UTC
        )

    def test_naive_iso_is_jakarta_time(self):
        """A timestamp without offset is read as WIB (UTC+7)."""
        assert parse_time("2017-07-21 09:15:00") == datetime(2017, 7, 21, 2, 15, tzinfo=UTC)

    @pytest.mark.parametrize("value", [1578671153, "1578671153", 1578671153000, 1578671153.0])
    def test_unix_seconds_and_milliseconds(self, value):
        """Seconds and millisecond epochs give the same moment."""
        assert parse_time(value) == datetime(2020, 1, 10, 15, 45, 53, tzinfo=UTC)

    @pytest.mark.parametrize("value", [None, "", 0, "0001-01-01T00:00:00Z"])
    def test_unset_times_are_none(self, value):
        """Empty values and Go's zero time mean 'no time', not year 1."""
        assert parse_time(value) is None

    def test_garbage_raises(self):
        """Text that is no time raises instead of inventing one."""
        with pytest.raises(ValueError, match="Invalid isoformat"):
            parse_time("yesterday")


class TestSplitWindows:
    since = datetime(2025, 5, 1, tzinfo=UTC)

    def test_a_week_becomes_contiguous_windows_under_three_days(self):
        """Every window is shorter than 3 days and together they cover the range exactly."""
        until = self.since + timedelta(days=7)
        windows = split_windows(self.since, until)
        assert len(windows) == 3
        assert windows[0][0] == self.since
        assert windows[-1][1] == until
        assert all(end - start < timedelta(days=3) for start, end in windows)
        assert all(a[1] == b[0] for a, b in itertools.pairwise(windows))

    def test_a_short_range_is_one_window(self):
        """A range within the limit is queried as is."""
        until = self.since + MAX_WINDOW
        assert split_windows(self.since, until) == [(self.since, until)]

    def test_an_empty_range_has_no_windows(self):
        """Nothing to fetch for an empty range."""
        assert split_windows(self.since, self.since) == []

    def test_naive_datetimes_are_refused(self):
        """Ambiguous local times cannot silently shift the window."""
        with pytest.raises(ValueError, match="timezone-aware"):
            split_windows(datetime(2025, 5, 1), datetime(2025, 5, 2))  # noqa: DTZ001 - naive on purpose


class TestValidateRejection:
    @pytest.mark.parametrize("code", [0, 1, 2, 3, 5, 7, 8, "1", ""])
    def test_codes_with_a_reason_pass(self, code):
        """Every documented code except 4 needs only a reason."""
        validate_rejection(code, "Stok habis", today=TODAY)

    @pytest.mark.parametrize("code", [0, 1, 2, 3, 4, 5, 7, 8])
    def test_every_code_requires_a_reason(self, code):
        """A blank reason is refused for every code, with Tokopedia's ORD_USC_009."""
        with pytest.raises(RejectionInvalid, match="a reason is required") as caught:
            validate_rejection(code, "  ", "30/06/2025", "Libur", today=TODAY)
        assert caught.value.code == "ORD_USC_009"

    @pytest.mark.parametrize(("code", "limit"), [(0, 512), (1, 512), (5, 512), (7, 490), (8, 490)])
    def test_reason_length_limits(self, code, limit):
        """Code 0 and others allow 512 characters; codes 7 and 8 allow 490."""
        validate_rejection(code, "x" * limit, today=TODAY)
        with pytest.raises(RejectionInvalid, match=f"{limit + 1} characters; code {code} allows"):
            validate_rejection(code, "x" * (limit + 1), today=TODAY)

    def test_empty_code_is_code_zero(self):
        """'0 or empty' both mean the shipping case."""
        assert validate_rejection("", "Kurir tidak tersedia", today=TODAY) == 0

    def test_code_4_with_future_date_and_note_passes(self):
        """Shop closed until a real future date, with a note, is accepted."""
        assert validate_rejection(4, "Toko libur", "30/06/2025", "Libur Lebaran", today=TODAY) == 4

    def test_code_4_accepts_today(self):
        """Closing until today is not in the past."""
        validate_rejection(4, "Toko libur", "02/06/2025", "Libur", today=TODAY)

    def test_code_4_without_date_or_note_names_both(self):
        """Missing close details are reported together, with ORD_USC_012."""
        with pytest.raises(RejectionInvalid) as caught:
            validate_rejection(4, "Toko libur", "", "", today=TODAY)
        assert caught.value.code == "ORD_USC_012"
        assert "needs a close end date" in caught.value.message
        assert "needs a close note" in caught.value.message

    @pytest.mark.parametrize(
        ("close_date", "problem"),
        [
            ("2025-06-30", "is not DD/MM/YYYY"),
            ("30/6/2025", "is not DD/MM/YYYY"),
            ("31/02/2026", "is not a real date"),
            ("01/06/2025", "is in the past (today is 02/06/2025)"),
        ],
    )
    def test_code_4_bad_dates(self, close_date, problem):
        """A wrongly formatted, impossible or past close date is refused with ORD_USC_013."""
        with pytest.raises(
            RejectionInvalid, match=problem.replace("(", r"\(").replace(")", r"\)")
        ):
            validate_rejection(4, "Toko libur", close_date, "Libur", today=TODAY)

    @pytest.mark.parametrize("code", [6, 9, "abc", True])
    def test_unknown_codes_are_refused(self, code):
        """Codes outside 0-5, 7, 8 are refused with the list of valid ones."""
        with pytest.raises(RejectionInvalid, match="use one of 0, 1, 2, 3, 4, 5, 7, 8"):
            validate_rejection(code, "alasan", today=TODAY)


class TestOrderStatus:
    @pytest.mark.parametrize(
        ("codes", "state"),
        [
            ([220], OrderState.AWAITING_ACCEPTANCE),
            ([0, 2, 3, 4, 5, 6, 10, 15, 690, 691, 695, 698, 699], OrderState.CANCELLED),
            ([11, 100, 103, 200], OrderState.UNPAID),
            ([221, 400, 450], OrderState.ACCEPTED),
            ([500, 501, 520, 530, 540], OrderState.SHIPPING),
            ([550], OrderState.RETURNED),
            ([600, 601], OrderState.DELIVERED),
            ([700, 701], OrderState.COMPLETED),
            ([401, 999], OrderState.OTHER),
        ],
    )
    def test_codes_map_to_states(self, codes, state):
        """Each documented status code lands in the state staff act on."""
        assert {order_status(code).state for code in codes} == {state}

    def test_status_keeps_code_and_label(self):
        """The code and Tokopedia's label are kept for logs."""
        status = order_status(400)
        assert (status.code, status.label) == ("400", "Seller accept order")
