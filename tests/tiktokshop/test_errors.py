from __future__ import annotations

import pytest

from bot.domain.errors import ErrorKind
from bot.marketplaces.tiktokshop import (
    AuthError,
    InvalidRequest,
    NotEligible,
    NotFound,
    PermissionDenied,
    QuotaExceeded,
    RateLimited,
    ServerError,
    TikTokShopError,
    TokenExpired,
    classify,
)
from bot.marketplaces.tiktokshop.errors import brand_safe


class TestClassify:
    @pytest.mark.parametrize(
        ("code", "cls", "kind"),
        [
            (105001, AuthError, ErrorKind.AUTH),
            (105002, TokenExpired, ErrorKind.AUTH),
            (105099, AuthError, ErrorKind.AUTH),
            (106001, AuthError, ErrorKind.AUTH),
            (36009004, AuthError, ErrorKind.AUTH),
            (36004004, AuthError, ErrorKind.AUTH),
            (105005, PermissionDenied, ErrorKind.PERMISSION),
            (101000, PermissionDenied, ErrorKind.PERMISSION),
            (36009033, PermissionDenied, ErrorKind.PERMISSION),
            (25020005, PermissionDenied, ErrorKind.PERMISSION),
            (45109001, NotEligible, ErrorKind.NOT_ELIGIBLE),
            (45109003, NotEligible, ErrorKind.NOT_ELIGIBLE),
            (25001003, NotEligible, ErrorKind.NOT_ELIGIBLE),
            (25011011, NotEligible, ErrorKind.NOT_ELIGIBLE),
            (25011012, NotEligible, ErrorKind.NOT_ELIGIBLE),
            (25020009, NotEligible, ErrorKind.NOT_ELIGIBLE),
            (25020010, NotEligible, ErrorKind.NOT_ELIGIBLE),
            (25001045, NotEligible, ErrorKind.NOT_ELIGIBLE),
            (25001021, InvalidRequest, ErrorKind.INVALID),
            (45101006, InvalidRequest, ErrorKind.INVALID),
            (106013, InvalidRequest, ErrorKind.INVALID),
            (36009014, InvalidRequest, ErrorKind.INVALID),
            (36009002, RateLimited, ErrorKind.RATE_LIMITED),
            (45101004, QuotaExceeded, ErrorKind.RATE_LIMITED),
            (36009003, ServerError, ErrorKind.UNAVAILABLE),
            (36009007, ServerError, ErrorKind.UNAVAILABLE),
        ],
    )
    def test_documented_codes(self, code, cls, kind):
        """Each documented code maps to its class and neutral kind, whatever the HTTP status."""
        assert classify(code, 200) is cls
        assert cls(code).kind is kind

    @pytest.mark.parametrize(
        ("status", "cls"),
        [
            (401, AuthError),
            (403, PermissionDenied),
            (404, NotFound),
            (429, RateLimited),
            (503, ServerError),
            (502, ServerError),
            (400, InvalidRequest),
            (200, TikTokShopError),
        ],
    )
    def test_unknown_codes_fall_back_to_the_status(self, status, cls):
        """A code we don't know is read through the HTTP status."""
        assert classify(99999999, status) is cls
        assert classify(None, status) is cls

    def test_code_wins_over_status(self):
        """A 401 carrying 105002 is an expired token, not a generic auth failure."""
        assert classify(105002, 401) is TokenExpired


class TestDetail:
    def test_known_code_has_a_staff_sentence(self):
        """Staff read an Indonesian explanation, not the platform's English message."""
        error = InvalidRequest(45101006, "The message contains sensitive words.")
        assert "kata yang tidak diizinkan" in error.detail

    def test_unknown_code_shows_the_platform_message_without_the_brand(self):
        """An unexplained message is passed on, with TikTok renamed for Indonesian staff."""
        error = TikTokShopError(12345678, "TikTok Shop is busy")
        assert error.detail == "Tokopedia & Shop is busy"

    def test_no_detail_mentions_tiktok(self):
        """None of the built-in explanations says TikTok."""
        for code in (105001, 105002, 45109001, 45101006, 36009003, 45101004):
            assert "tiktok" not in TikTokShopError(code).detail.lower()

    def test_str_names_code_message_and_request_id(self):
        """Logs get the code, message and request_id support asks for."""
        error = ServerError(36009003, "Internal error", 500, "2025REQ")
        assert str(error) == "36009003 Internal error (request_id 2025REQ)"

    def test_str_without_anything_is_the_status(self):
        """An error with neither code nor message still says what happened."""
        assert str(ServerError(status=503)) == "HTTP 503"

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("TikTok Shop", "Tokopedia & Shop"),
            ("tiktok", "Tokopedia & Shop"),
            ("Tik Tok shop app", "Tokopedia & Shop app"),
            ("Tokopedia", "Tokopedia"),
        ],
    )
    def test_brand_safe(self, text, expected):
        """Every spelling of TikTok becomes Tokopedia & Shop."""
        assert brand_safe(text) == expected
