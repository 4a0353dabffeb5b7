"""JSON Schema export of the envelope and every event: `python -m arcadia_contracts.schema`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import msgspec

from arcadia_contracts.codec import TOPIC_EVENTS
from arcadia_contracts.envelope import Envelope

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema" / "events.schema.json"


def event_schema() -> dict[str, Any]:
    """One document: the envelope, each event's payload, and which topic carries which type."""
    types = sorted(
        {e for events in TOPIC_EVENTS.values() for e in events}, key=lambda e: e.__name__
    )
    (envelope_schema, *_), components = msgspec.json.schema_components(
        [Envelope, *types], ref_template="#/$defs/{name}"
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Arcadia Cloud events",
        "$defs": components,
        "envelope": envelope_schema,
        "topics": {
            topic: sorted({f"{e.__name__}@v{e.VERSION}" for e in events})
            for topic, events in sorted(TOPIC_EVENTS.items())
        },
    }


def render() -> str:
    return json.dumps(event_schema(), indent=2, sort_keys=True) + "\n"


def main() -> None:
    if "--check" in sys.argv:
        if SCHEMA_FILE.read_text() != render():
            raise SystemExit(f"{SCHEMA_FILE} is stale: run python -m arcadia_contracts.schema")
        return
    SCHEMA_FILE.parent.mkdir(parents=True, exist_ok=True)
    SCHEMA_FILE.write_text(render())
    print(SCHEMA_FILE)


if __name__ == "__main__":
    main()
