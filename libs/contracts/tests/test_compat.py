"""The compatibility check: removals, retypes and new required fields break; additions pass."""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from arcadia_contracts import compat, schema
from arcadia_contracts.codec import TOPIC_EVENTS
from arcadia_contracts.topics import BILLING, INBOUND_TOPICS

EVENT = "DropletCreated"
KEY = "DropletCreated@v1"


def current() -> dict[str, Any]:
    return compat.snapshot(schema.event_schema())


def changed(edit: Any) -> list[str]:
    """The breaks found when the current contract is edited by `edit` (on its event schema)."""
    published = current()
    document = copy.deepcopy(schema.event_schema())
    edit(document)
    return compat.breaks(published, compat.snapshot(document))


def test_the_committed_files_are_current_and_compatible() -> None:
    assert schema.check() == [], "run: uv run python -m arcadia_contracts.schema"
    assert json.loads(compat.SNAPSHOT_FILE.read_text()) == current()


def test_an_unchanged_contract_is_compatible() -> None:
    assert compat.breaks(current(), current()) == []


def test_removing_a_field_breaks() -> None:
    def edit(doc: dict[str, Any]) -> None:
        del doc["$defs"][EVENT]["properties"]["size"]
        doc["$defs"][EVENT]["required"].remove("size")

    assert changed(edit) == [f"{KEY}.size: removed"]


def test_retyping_a_field_breaks() -> None:
    def edit(doc: dict[str, Any]) -> None:
        doc["$defs"][EVENT]["properties"]["droplet_id"] = {"type": "string"}

    (only,) = changed(edit)
    assert only.startswith(f"{KEY}.droplet_id: retyped")


def test_adding_a_required_field_breaks() -> None:
    def edit(doc: dict[str, Any]) -> None:
        doc["$defs"][EVENT]["properties"]["image"] = {"type": "string"}
        doc["$defs"][EVENT]["required"].append("image")

    assert changed(edit) == [f"{KEY}.image: newly required"]


def test_making_an_optional_field_required_breaks() -> None:
    def edit(doc: dict[str, Any]) -> None:
        doc["$defs"]["DeploymentActivated"]["required"].append("ip_address")

    assert changed(edit) == ["DeploymentActivated@v1.ip_address: newly required"]


def test_adding_an_optional_field_passes() -> None:
    def edit(doc: dict[str, Any]) -> None:
        doc["$defs"][EVENT]["properties"]["image"] = {"type": "string", "default": "ubuntu"}

    assert changed(edit) == []


def test_rewording_the_docs_passes() -> None:
    def edit(doc: dict[str, Any]) -> None:
        doc["$defs"][EVENT]["description"] = "reworded"
        doc["$defs"][EVENT]["properties"]["size"]["description"] = "a slug"

    assert changed(edit) == []


def test_a_new_event_on_a_topic_passes() -> None:
    def edit(doc: dict[str, Any]) -> None:
        doc["$defs"]["Refunded"] = {"properties": {"amount": {"type": "integer"}}}
        doc["topics"][BILLING].append("Refunded@v1")

    assert changed(edit) == []


def test_removing_an_event_or_taking_it_off_a_topic_breaks() -> None:
    def edit(doc: dict[str, Any]) -> None:
        del doc["$defs"][EVENT]
        doc["topics"]["arcadia.provisioner.v1"].remove("DropletCreated@v1")

    assert changed(edit) == [
        "arcadia.provisioner.v1: no longer carries DropletCreated@v1",
        f"{KEY}: removed",
    ]


def test_the_export_refuses_to_write_a_breaking_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    published = current()
    published["structs"][KEY]["properties"]["gone"] = {"type": "string"}
    snapshot_file = tmp_path / "published.json"
    snapshot_file.write_text(json.dumps(published))
    monkeypatch.setattr(compat, "SNAPSHOT_FILE", snapshot_file)
    monkeypatch.setattr(schema, "SCHEMA_FILE", tmp_path / "events.schema.json")
    monkeypatch.setattr(schema, "ASYNCAPI_FILE", tmp_path / "asyncapi.json")
    monkeypatch.setattr(sys, "argv", ["schema"])

    with pytest.raises(SystemExit, match=f"{KEY}.gone: removed"):
        schema.main()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["published.json"]
    assert f"breaks the published contract: {KEY}.gone: removed" in schema.check()

    monkeypatch.setattr(sys, "argv", ["schema", "--allow-breaking"])
    schema.main()
    assert json.loads(snapshot_file.read_text()) == current()
    assert schema.check() == []


EVERY_EVENT = sorted(
    {(e.__name__, e.VERSION) for events in TOPIC_EVENTS.values() for e in events},
)


def test_the_snapshot_covers_every_topic_and_event_inbound_included() -> None:
    published = json.loads(compat.SNAPSHOT_FILE.read_text())
    assert set(published["topics"]) == set(TOPIC_EVENTS)
    for topic in INBOUND_TOPICS:
        assert published["topics"][topic], topic
    for name, version in EVERY_EVENT:
        fields = published["structs"][f"{name}@v{version}"]["properties"]
        assert "type" in fields, name  # the payload's tag, and every declared field after it
    assert {"event_id", "tenant_id", "payload"} <= set(published["structs"]["Envelope"]["required"])


@pytest.mark.parametrize(("name", "version"), EVERY_EVENT)
def test_every_event_is_guarded_against_removal_retyping_and_new_required_fields(
    name: str, version: int
) -> None:
    key = f"{name}@v{version}"
    fields = [f for f in schema.event_schema()["$defs"][name]["properties"] if f != "type"]

    def add_optional(doc: dict[str, Any]) -> None:
        doc["$defs"][name]["properties"]["added_later"] = {"type": "string", "default": ""}

    def add_required(doc: dict[str, Any]) -> None:
        add_optional(doc)
        doc["$defs"][name].setdefault("required", []).append("added_later")

    assert changed(add_optional) == []
    assert changed(add_required) == [f"{key}.added_later: newly required"]
    for field in fields:

        def remove(doc: dict[str, Any], field: str = field) -> None:
            del doc["$defs"][name]["properties"][field]

        def retype(doc: dict[str, Any], field: str = field) -> None:
            doc["$defs"][name]["properties"][field] = {"type": "object"}

        assert changed(remove) == [f"{key}.{field}: removed"]
        (only,) = changed(retype)
        assert only.startswith(f"{key}.{field}: retyped")
