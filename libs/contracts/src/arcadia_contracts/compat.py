"""Compatibility of the event schemas with the published snapshot: what would break a consumer."""

# The snapshot (`schema/published.json`) holds, for every struct the contract has published (an
# event as `Name@vN`, the envelope and nested structs by name), its fields and which are
# required, and for every topic the events it carries. Against it, a change breaks a published
# version when it removes a struct, an event from a topic or a field, changes a field's schema
# (docs aside), or makes a field required that was not. Anything else, such as a new optional
# field, a new event or a new version, is an addition and passes. A breaking change is made as
# a new VERSION of the event, not as an edit of the published one.

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

import msgspec

from arcadia_contracts.codec import TOPIC_EVENTS

SNAPSHOT_FILE: Final = Path(__file__).resolve().parents[2] / "schema" / "published.json"
DOC_KEYS: Final = frozenset({"description", "title", "examples"})

JsonObject = dict[str, Any]


def _without_docs(schema: Any) -> Any:
    if isinstance(schema, dict):
        return {k: _without_docs(v) for k, v in schema.items() if k not in DOC_KEYS}
    if isinstance(schema, list):
        return [_without_docs(item) for item in schema]
    return schema


def snapshot(event_schema: JsonObject) -> JsonObject:
    """The compact form of `schema.event_schema()` that compatibility is judged on."""
    versions = {e.__name__: e.VERSION for events in TOPIC_EVENTS.values() for e in events}
    structs = {}
    for name, schema in event_schema["$defs"].items():
        key = f"{name}@v{versions[name]}" if name in versions else name
        structs[key] = {
            "properties": _without_docs(schema.get("properties", {})),
            "required": sorted(schema.get("required", [])),
        }
    compact = {"structs": dict(sorted(structs.items())), "topics": event_schema["topics"]}
    # as read back from the file (tuples become lists), so it compares equal to the snapshot
    decoded: JsonObject = msgspec.json.decode(msgspec.json.encode(compact))
    return decoded


def breaks(published: JsonObject, current: JsonObject) -> list[str]:
    """Every way `current` breaks what `published` promised; empty when compatible."""
    found: list[str] = []
    for topic, events in published["topics"].items():
        for gone in sorted(set(events) - set(current["topics"].get(topic, []))):
            found.append(f"{topic}: no longer carries {gone}")
    for name, was in published["structs"].items():
        now = current["structs"].get(name)
        if now is None:
            found.append(f"{name}: removed")
            continue
        for field, schema in was["properties"].items():
            if field not in now["properties"]:
                found.append(f"{name}.{field}: removed")
            elif now["properties"][field] != schema:
                found.append(f"{name}.{field}: retyped from {schema} to {now['properties'][field]}")
        for field in sorted(set(now["required"]) - set(was["required"])):
            found.append(f"{name}.{field}: newly required")
    return found
