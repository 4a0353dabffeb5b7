"""Query strings decoded into msgspec Structs that forbid unknown parameters."""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec
from litestar import Request

from arcadia_platform.problems import ProblemError

Q = TypeVar("Q", bound=msgspec.Struct)


def parse_query(request: Request[Any, Any, Any], struct_type: type[Q]) -> Q:
    """The request's query as `struct_type`; a 400 problem for unknown, repeated or bad values."""
    params = request.query_params
    values: dict[str, str] = {}
    for key in dict.fromkeys(params.keys()):
        given = params.getall(key)
        if len(given) > 1:
            raise ProblemError(
                400, f"Query parameter `{key}` is given more than once", slug="query"
            )
        values[key] = given[0]
    try:
        return msgspec.convert(values, struct_type, strict=False)
    except msgspec.ValidationError as exc:
        raise ProblemError(400, f"Invalid query: {exc}", slug="query") from exc
