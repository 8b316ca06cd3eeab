"""The marketplace boundary: adapter errors leave as ``MarketplaceError``, nothing else does."""

from __future__ import annotations

import pytest

from bot.domain import errors
from bot.domain.errors import ErrorKind, MarketplaceError, as_marketplace_errors


class PlainRoot(errors.AdapterError):
    """An adapter root that keeps the default ``to_core``."""


class PlainNotFound(errors.NotFound, PlainRoot):
    pass


def test_an_adapter_error_leaves_with_its_kind_and_cause():
    """The core sees the kind of the shared class and the adapter's text; the cause is kept."""
    with pytest.raises(MarketplaceError) as caught, as_marketplace_errors():
        raise PlainNotFound("order 123 is gone")
    assert (caught.value.kind, caught.value.code) == (ErrorKind.NOT_FOUND, "")
    assert caught.value.detail == "order 123 is gone"
    assert isinstance(caught.value.__cause__, PlainNotFound)


def test_other_errors_pass_through_unchanged():
    """A bug in an adapter is not dressed up as a marketplace failure."""
    with pytest.raises(KeyError), as_marketplace_errors():
        raise KeyError("shop")


def test_a_marketplace_error_raised_inside_is_left_alone():
    """An adapter may raise the core's error itself (e.g. "no cancellation request")."""
    original = MarketplaceError(ErrorKind.INVALID, "X1", "why")
    with pytest.raises(MarketplaceError) as caught, as_marketplace_errors():
        raise original
    assert caught.value is original
