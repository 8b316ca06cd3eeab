"""The marketplace error family: what the core catches, and the tree every adapter shares.

The core catches ``MarketplaceError`` and picks the staff-facing text by its ``ErrorKind``.
An adapter's client raises its own tree, and the adapter turns it into ``MarketplaceError``
at its boundary. The trees have one shape, defined here, so each case's kind is decided once:

    AdapterError            anything else                         OTHER
    ├── AuthError           HTTP 401, a refused token             AUTH
    ├── PermissionDenied    HTTP 403                              PERMISSION
    ├── NotFound            HTTP 404                              NOT_FOUND
    ├── NotEligible         the order's state forbids the action  NOT_ELIGIBLE
    ├── InvalidRequest      any other HTTP 4xx                    INVALID
    ├── RateLimited         HTTP 429                              RATE_LIMITED
    ├── ServerError         HTTP 5xx, connection failures         UNAVAILABLE
    └── OutcomeUnknown      the request may have arrived          OUTCOME_UNKNOWN

An adapter roots its tree in its own subclass of ``AdapterError`` (which carries the
marketplace's code, message and status, and says in ``to_core`` which of them the core sees;
the adapter wraps its calls in ``as_marketplace_errors``) and writes each member as
``class AuthError(errors.AuthError, TokopediaError)``: the kind comes from the shared class,
the constructor and fields from the adapter's root. ``by_status`` picks the member an HTTP
status stands for when the marketplace sent no code the adapter knows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import ClassVar, TypeVar


class ErrorKind(StrEnum):
    """Why a marketplace call failed, in the categories staff need to understand."""

    NOT_ELIGIBLE = "not_eligible"
    PERMISSION = "permission"
    RATE_LIMITED = "rate_limited"
    UNAVAILABLE = "unavailable"
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    AUTH = "auth"
    OUTCOME_UNKNOWN = "outcome_unknown"  # the request may have arrived; do not resend blindly
    OTHER = "other"


class MarketplaceError(Exception):
    """A failed marketplace call, as the core sees it.

    ``code`` is the marketplace's own error code (e.g. ``ORD_USC_001``) and ``detail`` its
    message; both are for logs and the audit trail. ``kind`` picks the staff-facing text.
    """

    def __init__(self, kind: ErrorKind, code: str = "", detail: str = "") -> None:
        super().__init__(f"{kind.value}: {code} {detail}".strip())
        self.kind = kind
        self.code = code
        self.detail = detail


class AdapterError(Exception):
    """The root every adapter's own errors descend from; the class decides the kind."""

    kind: ClassVar[ErrorKind] = ErrorKind.OTHER

    def to_core(self) -> MarketplaceError:
        """This failure as the core sees it; an adapter's root says which code and detail."""
        return MarketplaceError(self.kind, "", str(self))


@contextmanager
def as_marketplace_errors() -> Iterator[None]:
    """An adapter's boundary: its own errors raised inside leave as ``MarketplaceError``."""
    try:
        yield
    except AdapterError as exc:
        raise exc.to_core() from exc


class AuthError(AdapterError):
    kind = ErrorKind.AUTH


class PermissionDenied(AdapterError):
    kind = ErrorKind.PERMISSION


class NotFound(AdapterError):
    kind = ErrorKind.NOT_FOUND


class NotEligible(AdapterError):
    kind = ErrorKind.NOT_ELIGIBLE


class InvalidRequest(AdapterError):
    kind = ErrorKind.INVALID


class RateLimited(AdapterError):
    kind = ErrorKind.RATE_LIMITED


class ServerError(AdapterError):
    kind = ErrorKind.UNAVAILABLE


class OutcomeUnknown(AdapterError):
    kind = ErrorKind.OUTCOME_UNKNOWN


def kind_of_status(status: int) -> ErrorKind:
    """What an HTTP ``status`` alone says about a failure (OTHER for no response, 0)."""
    if status == 401:
        return ErrorKind.AUTH
    if status == 403:
        return ErrorKind.PERMISSION
    if status == 404:
        return ErrorKind.NOT_FOUND
    if status == 429:
        return ErrorKind.RATE_LIMITED
    if status >= 500:
        return ErrorKind.UNAVAILABLE
    if status >= 400:
        return ErrorKind.INVALID
    return ErrorKind.OTHER


E = TypeVar("E", bound=AdapterError)


def by_status(status: int, members: Iterable[type[E]], root: type[E]) -> type[E]:
    """The first of an adapter's ``members`` whose kind ``status`` means, else its ``root``."""
    kind = kind_of_status(status)
    return next((cls for cls in members if cls.kind is kind), root)
