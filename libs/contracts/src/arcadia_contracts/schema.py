"""JSON Schema, AsyncAPI and snapshot export of the contract: `python -m arcadia_contracts.schema`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import msgspec

from arcadia_contracts import compat
from arcadia_contracts.asyncapi import ASYNCAPI_FILE, document
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


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value, indent=2, sort_keys=True) + "\n"


def render() -> str:
    return _json(event_schema())


def outputs() -> dict[Path, str]:
    """Every generated file and what it must hold."""
    return {
        SCHEMA_FILE: render(),
        ASYNCAPI_FILE: _json(document()),
        compat.SNAPSHOT_FILE: _json(compat.snapshot(event_schema())),
    }


def breaking_changes() -> list[str]:
    """How the current contract breaks the committed snapshot (none before the first one)."""
    if not compat.SNAPSHOT_FILE.exists():
        return []
    published = json.loads(compat.SNAPSHOT_FILE.read_text())
    return compat.breaks(published, compat.snapshot(event_schema()))


def check() -> list[str]:
    stale = [
        f"{path} is stale: run python -m arcadia_contracts.schema"
        for path, text in outputs().items()
        if not path.exists() or path.read_text() != text
    ]
    return stale + [f"breaks the published contract: {b}" for b in breaking_changes()]


def main() -> None:
    """Write the JSON Schema of every event, `docs/asyncapi.json` and the published snapshot;
    write nothing while the change breaks the snapshot, unless `--allow-breaking` says the break
    is meant. `--check` fails when a file is stale or the change breaks the snapshot."""
    if "--check" in sys.argv:
        if problems := check():
            raise SystemExit("\n".join(problems))
        return
    broken = breaking_changes()
    if broken and "--allow-breaking" not in sys.argv:
        raise SystemExit(
            "\n".join(["nothing written; these break the published contract:", *broken])
            + "\nmake a new VERSION of the event, or pass --allow-breaking if the break is meant"
        )
    for path, text in outputs().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        print(path)


if __name__ == "__main__":
    main()
