"""Request-body checks Litestar does not make itself: a body is present, no field is unknown, no
list is longer than its Struct allows, and every value has its JSON type.

msgspec stops at the first unknown field; this names every one of them (nested ones as
`addons[0].colour`), before Litestar decodes the body into its Struct. A list over its
`max_length` (e.g. more than 50 add-on lines) is well-formed input the service will not process:
a 422 naming the field, rather than the 400 of a malformed body. Litestar converts bodies
leniently (`0` for `false`, `"1"` for `1`); the OpenAPI document promises JSON types, so the body
is then decoded strictly, as the schema reads. As JSON Schema reads them, `2303.0` is an integer
(a number whose fraction is zero), so an integer field takes it as 2303; `2303.5` stays a 400.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
from litestar import Request
from litestar.exceptions import SerializationException
from msgspec import inspect

from arcadia_platform.problems import FieldError, ProblemError

JSON_PATH = re.compile(r" - at `\$\.?(?P<path>[^`]*)`$")
MISSING_FIELD = re.compile(r"missing required field `([^`]+)`")


async def check_request_body(request: Request[Any, Any, Any]) -> None:
    """`before_request` hook: 400 for a missing body or unknown fields; None lets it through."""
    data_field = request.route_handler.parsed_data_field
    if data_field is None:
        return
    struct_type = data_field.annotation
    if not (isinstance(struct_type, type) and issubclass(struct_type, msgspec.Struct)):
        return
    if not (await request.body()).strip():
        raise ProblemError(400, "A JSON request body is required", slug="validation")
    try:
        body = await request.json()
    except SerializationException as exc:
        raise ProblemError(
            400, f"The request body is not valid JSON: {exc}", slug="validation"
        ) from exc
    unknown = unknown_fields(struct_type, body)
    if unknown:
        raise ProblemError(
            400,
            f"Unknown field(s) in the request body: {', '.join(unknown)}",
            slug="unknown-fields",
            unknown_fields=unknown,
        )
    too_long = overlong_lists(struct_type, body)
    if too_long:
        raise ProblemError(
            422,
            "Too many items: " + ", ".join(f"{path} (at most {limit})" for path, limit in too_long),
            slug="too-many-items",
            errors=[
                FieldError(message=f"at most {limit} items", field=path, source="body")
                for path, limit in too_long
            ],
        )
    try:
        msgspec.json.decode(msgspec.json.encode(integral_as_int(body)), type=struct_type)
    except (msgspec.ValidationError, RecursionError) as exc:
        error = (
            field_error(exc)
            if isinstance(exc, msgspec.ValidationError)
            else FieldError(message="nested too deeply", source="body")
        )
        raise ProblemError(
            400, "Request validation failed", slug="validation", errors=[error]
        ) from exc


def integral_as_int(value: Any) -> Any:
    """`value` with every float whose fraction is zero as an int (JSON Schema's integers)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: integral_as_int(item) for key, item in value.items()}
    if isinstance(value, list):
        return [integral_as_int(item) for item in value]
    return value


def field_error(exc: msgspec.ValidationError) -> FieldError:
    """msgspec's "Expected `bool`, got `int` - at `$.trial`" as a FieldError for `trial`."""
    message = str(exc)
    found = JSON_PATH.search(message)
    path = found["path"] if found else ""
    text = message[: found.start()] if found else message
    missing = MISSING_FIELD.search(text)
    if missing:  # "Object missing required field `code`": the field is the missing one
        path = f"{path}.{missing[1]}" if path else missing[1]
    return FieldError(message=text, field=path or None, source="body")


def unknown_fields(struct_type: type[msgspec.Struct], value: object) -> list[str]:
    """Paths of the keys in `value` that `struct_type` (or a Struct inside it) does not declare."""
    return _walk(inspect.type_info(struct_type), value, "")


def _walk(info: inspect.Type, value: object, path: str) -> list[str]:
    match info:
        case inspect.StructType() if isinstance(value, dict):
            fields = {field.encode_name: field for field in info.fields}
            found: list[str] = []
            for key, item in value.items():
                where = f"{path}.{key}" if path else str(key)
                field = fields.get(key)
                if field is None:
                    if info.forbid_unknown_fields:
                        found.append(where)
                else:
                    found.extend(_walk(field.type, item, where))
            return found
        case inspect.ListType() | inspect.VarTupleType() | inspect.SetType() if isinstance(
            value, list
        ):
            return [
                name
                for index, item in enumerate(value)
                for name in _walk(info.item_type, item, f"{path}[{index}]")
            ]
        case inspect.UnionType():
            for option in info.types:
                if isinstance(option, inspect.StructType) and isinstance(value, dict):
                    return _walk(option, value, path)
            return []
        case _:
            return []


def overlong_lists(struct_type: type[msgspec.Struct], value: object) -> list[tuple[str, int]]:
    """(path, max_length) of every list in `value` longer than `struct_type` declares."""
    return _lists(inspect.type_info(struct_type), value, "")


def _lists(info: inspect.Type, value: object, path: str) -> list[tuple[str, int]]:
    match info:
        case inspect.StructType() if isinstance(value, dict):
            fields = {field.encode_name: field for field in info.fields}
            return [
                found
                for key, item in value.items()
                if key in fields
                for found in _lists(fields[key].type, item, f"{path}.{key}" if path else str(key))
            ]
        case inspect.ListType() | inspect.VarTupleType() | inspect.SetType() if isinstance(
            value, list
        ):
            if info.max_length is not None and len(value) > info.max_length:
                # Its items are not walked: the list is refused whole.
                return [(path, info.max_length)]
            return [
                found
                for index, item in enumerate(value)
                for found in _lists(info.item_type, item, f"{path}[{index}]")
            ]
        case inspect.UnionType():
            for option in info.types:
                if isinstance(option, inspect.StructType) and isinstance(value, dict):
                    return _lists(option, value, path)
                if isinstance(option, inspect.ListType) and isinstance(value, list):
                    return _lists(option, value, path)
            return []
        case _:
            return []
