"""Errors raised by the Tokopedia client.

Every failure is a ``TokopediaError`` carrying Tokopedia's own ``code`` (``ORD_USC_001``,
``RBAC_MDLW_001``, "" when there is none), its ``message`` and the HTTP ``status`` (0 when no
response was received). ``kind`` is the neutral ``bot.domain.ErrorKind`` the adapter hands to
the core.

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

from bot.domain.errors import ErrorKind


class TokopediaError(Exception):
    kind = ErrorKind.OTHER

    def __init__(self, code: str = "", message: str = "", status: int = 0) -> None:
        super().__init__(" ".join(part for part in (code, message) if part) or f"HTTP {status}")
        self.code = code
        self.message = message
        self.status = status


class AuthError(TokopediaError):
    kind = ErrorKind.AUTH


class PermissionDenied(TokopediaError):
    kind = ErrorKind.PERMISSION


class NotFound(TokopediaError):
    kind = ErrorKind.NOT_FOUND


class NotEligible(TokopediaError):
    kind = ErrorKind.NOT_ELIGIBLE


class InvalidRequest(TokopediaError):
    kind = ErrorKind.INVALID


class RejectionInvalid(InvalidRequest):
    """A NACK Tokopedia would refuse; ``code`` is the one it would answer with, if any."""


class RateLimited(TokopediaError):
    kind = ErrorKind.RATE_LIMITED

    def __init__(
        self,
        code: str = "",
        message: str = "",
        status: int = 429,
        reset_after: float | None = None,
    ) -> None:
        super().__init__(code, message, status)
        self.reset_after = reset_after


class ServerError(TokopediaError):
    kind = ErrorKind.UNAVAILABLE


class OutcomeUnknown(TokopediaError):
    """The request may have been processed; resending could duplicate it (send-reply)."""

    kind = ErrorKind.OUTCOME_UNKNOWN


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


def _by_status(status: int) -> type[TokopediaError]:
    if status == 401:
        return AuthError
    if status == 403:
        return PermissionDenied
    if status == 404:
        return NotFound
    if status == 429:
        return RateLimited
    if status >= 500:
        return ServerError
    if status >= 400:
        return InvalidRequest
    return TokopediaError
