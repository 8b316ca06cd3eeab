from __future__ import annotations

import pytest

from bot.domain.errors import ErrorKind
from bot.marketplaces.tokopedia.errors import (
    AuthError,
    InvalidRequest,
    NotEligible,
    NotFound,
    OutcomeUnknown,
    PermissionDenied,
    RateLimited,
    RejectionInvalid,
    ServerError,
    TokopediaError,
    classify,
)


class TestClassify:
    @pytest.mark.parametrize(
        ("code", "status", "expected"),
        [
            ("ORD_API_008", 400, NotFound),
            ("SHP_GRPC_003", 400, NotFound),
            ("ORD_USC_001", 400, NotEligible),
            ("ORD_USC_008", 400, NotEligible),
            ("ORD_USC_019", 400, NotEligible),
            ("ORD_USC_020", 400, NotEligible),
            ("ORD_USC_009", 400, InvalidRequest),
            ("ORD_USC_012", 400, InvalidRequest),
            ("ORD_USC_013", 400, InvalidRequest),
            ("ORD_DLV_013", 400, InvalidRequest),
            ("ORD_DLV_004", 400, InvalidRequest),
            ("RBAC_MDLW_001", 403, PermissionDenied),
            ("RBAC_USC_012", 500, PermissionDenied),
            ("ORD_USC_024", 400, PermissionDenied),
            ("SHP_GRPC_001", 500, ServerError),
            ("ORD_USC_014", 400, ServerError),
            ("ORD_USC_007", 400, ServerError),
            ("", 401, AuthError),
            ("", 403, PermissionDenied),
            ("", 429, RateLimited),
            ("", 503, ServerError),
            ("", 400, InvalidRequest),
            (500, 200, ServerError),
            ("ZZZ_NEW_999", 200, TokopediaError),
        ],
    )
    def test_code_then_status_picks_the_class(self, code, status, expected):
        """Tokopedia's error code decides the class; the HTTP status is the fallback."""
        assert classify(code, status) is expected

    @pytest.mark.parametrize(
        ("cls", "kind"),
        [
            (TokopediaError, ErrorKind.OTHER),
            (AuthError, ErrorKind.AUTH),
            (PermissionDenied, ErrorKind.PERMISSION),
            (NotFound, ErrorKind.NOT_FOUND),
            (NotEligible, ErrorKind.NOT_ELIGIBLE),
            (InvalidRequest, ErrorKind.INVALID),
            (RejectionInvalid, ErrorKind.INVALID),
            (RateLimited, ErrorKind.RATE_LIMITED),
            (ServerError, ErrorKind.UNAVAILABLE),
            (OutcomeUnknown, ErrorKind.OUTCOME_UNKNOWN),
        ],
    )
    def test_each_class_carries_the_staff_facing_kind(self, cls, kind):
        """Every error tells the core which staff message applies."""
        error = cls("CODE", "message", 400)
        assert error.kind is kind
        assert (error.code, error.message, error.status) == ("CODE", "message", 400)
        assert str(error) == "CODE message"
