"""Opaque keyset cursors: the (created_at, id) of the last row a page ended with."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from uuid import UUID

import msgspec

from arcadia_platform.problems import ProblemError


class InvalidCursorError(ProblemError):
    """422, not 400: any string is a well-formed cursor as the schema reads it (it is opaque);
    one this API never handed out is refused for what it means, like an unknown plan."""

    def __init__(self) -> None:
        super().__init__(422, "The cursor is not one this API handed out", slug="invalid-cursor")


class _Cursor(msgspec.Struct, array_like=True, frozen=True):
    created_at: datetime
    id: UUID


def encode_cursor(created_at: datetime, deployment_id: UUID) -> str:
    raw = msgspec.json.encode(_Cursor(created_at, deployment_id))
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str) -> tuple[datetime, UUID]:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        cursor = msgspec.json.decode(raw, type=_Cursor)
    except (binascii.Error, ValueError, msgspec.DecodeError) as exc:
        raise InvalidCursorError() from exc
    if cursor.created_at.tzinfo is None:
        raise InvalidCursorError()
    return cursor.created_at, cursor.id


class _EventCursor(msgspec.Struct, array_like=True, frozen=True):
    event: int


def encode_event_cursor(event_id: int) -> str:
    raw = msgspec.json.encode(_EventCursor(event_id))
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_event_cursor(text: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        cursor = msgspec.json.decode(raw, type=_EventCursor)
    except (binascii.Error, ValueError, msgspec.DecodeError) as exc:
        raise InvalidCursorError() from exc
    return cursor.event


class _TenantCursor(msgspec.Struct, array_like=True, frozen=True):
    tenant_id: str


def encode_tenant_cursor(tenant_id: str) -> str:
    raw = msgspec.json.encode(_TenantCursor(tenant_id))
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_tenant_cursor(text: str) -> str:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        cursor = msgspec.json.decode(raw, type=_TenantCursor)
    except (binascii.Error, ValueError, msgspec.DecodeError) as exc:
        raise InvalidCursorError() from exc
    return cursor.tenant_id
