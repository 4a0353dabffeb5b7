"""Request bodies the simulator accepts, decoded with msgspec; bad bodies become DO-shaped 4xx."""

from __future__ import annotations

from typing import Annotated, TypeVar

import msgspec
from msgspec import Meta, Struct

from arcadia_cloudsim.errors import ApiError

T = TypeVar("T")

NonNegative = Annotated[int, Meta(ge=0)]


class CreateDropletBody(Struct, forbid_unknown_fields=True):
    """POST /v2/droplets: the single-droplet form, with the optional fields DigitalOcean accepts."""

    name: str
    region: str
    size: str
    image: str | int
    ssh_keys: list[str | int] = []
    backups: bool = False
    ipv6: bool = False
    monitoring: bool = False
    private_networking: bool | None = None
    tags: list[str] = []
    user_data: str | None = None
    vpc_uuid: str | None = None
    volumes: list[str] = []
    with_droplet_agent: bool | None = None


class RecordBody(Struct, forbid_unknown_fields=True):
    """POST and PUT /v2/domains/{domain}/records: on PUT every field is optional."""

    type: str | None = None
    name: str | None = None
    data: str | None = None
    ttl: Annotated[int, Meta(ge=30)] | None = None
    priority: NonNegative | None = None
    port: NonNegative | None = None
    weight: NonNegative | None = None
    flags: NonNegative | None = None
    tag: str | None = None


class FaultBody(Struct, forbid_unknown_fields=True):
    """POST /_sim/faults."""

    operation: str
    fault: int | str
    count: Annotated[int, Meta(ge=1)] = 1
    hang_ms: NonNegative | None = None
    retry_after_s: NonNegative = 1
    message: str | None = None


class ConfigBody(Struct, forbid_unknown_fields=True):
    """POST /_sim/config."""

    activation_delay_ms: NonNegative | None = None
    default_hang_ms: NonNegative | None = None
    requests_per_minute: NonNegative | None = None


def decode(raw: bytes, into: type[T]) -> T:
    try:
        return msgspec.json.decode(raw, type=into)
    except msgspec.ValidationError as exc:
        raise ApiError(422, str(exc)) from exc
    except msgspec.DecodeError as exc:
        raise ApiError(400, f"request body is not valid JSON: {exc}") from exc
