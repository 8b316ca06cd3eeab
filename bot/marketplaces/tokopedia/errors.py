"""Errors raised by the Tokopedia client.

Every failure is a ``TokopediaError`` carrying Tokopedia's own ``code`` (``ORD_USC_001``,
``RBAC_MDLW_001``, "" when there is none), its ``message`` and the HTTP ``status`` (0 when no
response was received). ``kind`` is the neutral ``ErrorKind`` the adapter hands to the core;
each class takes it from its namesake in ``bot.domain.errors``, which also reads bare statuses.

    TokopediaError            anything else                         OTHER
    ├── AuthError             401, token refused                    AUTH
    ├── PermissionDenied      403, RBAC_*, fs_id not tied to shop   PERMISSION
    ├── NotFound              ORD_API_008, SHP_GRPC_003, 404        NOT_FOUND
    ├── NotEligible           ORD_USC_001/008/019/020 ...           NOT_ELIGIBLE
    ├── InvalidRequest        ORD_USC_009/012/013, ORD_DLV_*, 400   INVALID
    │   └── RejectionInvalid  refused locally before any call
    ├── RateLimited           429 (``reset_after`` seconds)         RATE_LIMITED
    ├── ServerError           5xx, SHP_GRPC_001, ORD_USC_007/014,   UNAVAILABLE
    │                         connection failures
    └── OutcomeUnknown        send-reply may have reached Tokopedia OUTCOME_UNKNOWN
"""

from __future__ import annotations

from bot.domain import errors as shared


class TokopediaError(shared.AdapterError):
    def __init__(self, code: str = "", message: str = "", status: int = 0) -> None:
        super().__init__(" ".join(part for part in (code, message) if part) or f"HTTP {status}")
        self.code = code
        self.message = message
        self.status = status

    def to_core(self) -> shared.MarketplaceError:
        return shared.MarketplaceError(self.kind, self.code, self.message)


class AuthError(shared.AuthError, TokopediaError):
    """401, or a token Tokopedia refused."""


class PermissionDenied(shared.PermissionDenied, TokopediaError):
    """403, RBAC_*, or an fs_id not tied to the shop."""


class NotFound(shared.NotFound, TokopediaError):
    """404, or Tokopedia's "data not found" codes."""


class NotEligible(shared.NotEligible, TokopediaError):
    """The order's status does not allow the accept or reject."""


class InvalidRequest(shared.InvalidRequest, TokopediaError):
    """Other 4xx and Tokopedia's request-validation codes."""


class RejectionInvalid(InvalidRequest):
    """A NACK Tokopedia would refuse; ``code`` is the one it would answer with, if any."""


class RateLimited(shared.RateLimited, TokopediaError):
    def __init__(
        self,
        code: str = "",
        message: str = "",
        status: int = 429,
        reset_after: float | None = None,
    ) -> None:
        super().__init__(code, message, status)
        self.reset_after = reset_after


class ServerError(shared.ServerError, TokopediaError):
    """5xx, an upstream failure, or no response at all."""


class OutcomeUnknown(shared.OutcomeUnknown, TokopediaError):
    """The request may have been processed; resending could duplicate it (send-reply)."""


# Codes whose meaning the HTTP status does not tell (most arrive with 400 or 500).
_BY_CODE: dict[str, type[TokopediaError]] = {
    "ORD_API_008": NotFound,  # Data Not Found
    "SHP_GRPC_003": NotFound,  # data not found
    "ORD_USC_001": NotEligible,  # status not eligible to accept
    "ORD_USC_008": NotEligible,  # not eligible to reject
    "ORD_USC_019": NotEligible,  # needs a buyer cancellation request first
    "ORD_USC_020": NotEligible,  # not allowed to reject this order
    "ORD_USC_009": InvalidRequest,  # reason mandatory
    "ORD_USC_012": InvalidRequest,  # close date/note mandatory
    "ORD_USC_013": InvalidRequest,  # invalid close date
    "ORD_API_009": InvalidRequest,  # response too large: reduce the time interval
    "ORD_USC_007": ServerError,  # accept order failed in an upstream service
    "ORD_USC_014": ServerError,  # reject order failed in an upstream service
    "SHP_GRPC_001": ServerError,  # upstream failure
    "ORD_USC_015": PermissionDenied,  # pre-Oct-2022 spelling of RBAC_MDLW_001
    "ORD_USC_024": PermissionDenied,  # fs_id not associated with shop_id
    "ORD_API_016": PermissionDenied,  # fs_id not authorized to reject cancel request
    "ERR_TOO_MANY_REQUEST": RateLimited,  # per-item limit on bulk endpoints
}

_BY_PREFIX: tuple[tuple[str, type[TokopediaError]], ...] = (
    ("RBAC_", PermissionDenied),
    ("ORD_DLV_", InvalidRequest),  # request validation: dates, ids, shop vs warehouse
)


def classify(code: str | int | None, status: int) -> type[TokopediaError]:
    """Pick the error class for an error ``code`` and HTTP ``status``; the code wins."""
    text = "" if code is None else str(code).strip()
    if text in _BY_CODE:
        return _BY_CODE[text]
    for prefix, cls in _BY_PREFIX:
        if text.startswith(prefix):
            return cls
    # Some headers carry a bare number (500) instead of a code; read it like a status.
    if text.isdigit() and status < 400:
        status = int(text)
    return _by_status(status)


# The members an HTTP status alone can stand for, when the code doesn't say.
_BY_STATUS: tuple[type[TokopediaError], ...] = (
    AuthError,
    PermissionDenied,
    NotFound,
    RateLimited,
    ServerError,
    InvalidRequest,
)


def _by_status(status: int) -> type[TokopediaError]:
    return shared.by_status(status, _BY_STATUS, TokopediaError)
