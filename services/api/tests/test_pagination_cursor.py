"""The one cursor codec: the strings it hands out are those the per-page codecs handed out before
it (a client's saved cursor keeps working), and anything else is the same 422 problem."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest

from arcadia_api.http.pagination import (
    EventCursor,
    InvalidCursorError,
    Keyset,
    TenantCursor,
    decode_cursor,
    encode_cursor,
)

AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
ID = UUID("00000000-0000-4000-8000-000000000001")


def test_the_strings_are_the_ones_handed_out_before() -> None:
    # base64url without padding of ["2026-01-02T03:04:05Z","0000...0001"], [42] and ["acme"]
    keyset = "WyIyMDI2LTAxLTAyVDAzOjA0OjA1WiIsIjAwMDAwMDAwLTAwMDAtNDAwMC04MDAwLTAwMDAwMDAwMDAwMSJd"
    assert encode_cursor(Keyset(AT, ID)) == keyset
    assert encode_cursor(EventCursor(42)) == "WzQyXQ"
    assert encode_cursor(TenantCursor("acme")) == "WyJhY21lIl0"


@pytest.mark.parametrize(
    "cursor", [Keyset(AT, ID), EventCursor(7), TenantCursor("tenant-a")], ids=repr
)
def test_a_cursor_comes_back_as_it_went(cursor: Keyset | EventCursor | TenantCursor) -> None:
    assert decode_cursor(encode_cursor(cursor), type(cursor)) == cursor


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("garbage", Keyset),
        ("WzEsMl0", Keyset),  # [1,2]
        ("é", Keyset),  # not ASCII
        ("a", EventCursor),  # not base64
        (encode_cursor(TenantCursor("acme")), EventCursor),
        (encode_cursor(EventCursor(3)), TenantCursor),
        # A timestamp without its zone was never handed out.
        (encode_cursor(Keyset(datetime(2026, 1, 2), ID)), Keyset),
    ],
)
def test_anything_else_is_the_invalid_cursor_problem(text: str, kind: type) -> None:
    with pytest.raises(InvalidCursorError) as caught:
        decode_cursor(text, kind)
    assert caught.value.status == 422
