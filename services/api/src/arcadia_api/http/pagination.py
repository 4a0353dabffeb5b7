"""Opaque cursors: the position of the last row a page ended with, as base64url of a JSON array.

One encoder and one decoder for every kind of cursor; a kind is a small array-like struct.
`Keyset` is the (timestamp, id) of a keyset page (a deployment's `created_at`, a resource's
`registered_at`, a drift finding's `first_seen`, an invoice's `period_start`)."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Annotated, TypeVar
from uuid import UUID

import msgspec
from litestar.params import Parameter

from arcadia_platform.problems import ProblemError

# The `cursor` query parameter of a paged listing (the invoices' keeps billing's older limits).
CursorQuery = Annotated[
    str | None, Parameter(max_length=512, description="`next_cursor` of the previous page.")
]


class InvalidCursorError(ProblemError):
    """422, not 400: any string is a well-formed cursor as the schema reads it (it is opaque);
    one this API never handed out is refused for what it means, like an unknown plan."""

    def __init__(self) -> None:
        super().__init__(422, "The cursor is not one this API handed out", slug="invalid-cursor")


class Keyset(msgspec.Struct, array_like=True, frozen=True):
    """The (timestamp, id) of the last row of a page; a timestamp without a zone is refused."""

    at: Annotated[datetime, msgspec.Meta(tz=True)]
    id: UUID


class EventCursor(msgspec.Struct, array_like=True, frozen=True):
    """The id of the last event of a deployment's event page."""

    event: int


class TenantCursor(msgspec.Struct, array_like=True, frozen=True):
    """The last tenant id of a page of tenants."""

    tenant_id: str


CursorT = TypeVar("CursorT", bound=msgspec.Struct)


def encode_cursor(cursor: msgspec.Struct) -> str:
    return base64.urlsafe_b64encode(msgspec.json.encode(cursor)).decode().rstrip("=")


def decode_cursor(text: str, kind: type[CursorT]) -> CursorT:
    """The cursor `encode_cursor` made, or `InvalidCursorError` (a 422) for anything else."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        return msgspec.json.decode(raw, type=kind)
    except (binascii.Error, ValueError, msgspec.DecodeError) as exc:
        raise InvalidCursorError() from exc
