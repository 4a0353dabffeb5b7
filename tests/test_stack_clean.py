"""`infra/stack.py clean` deletes what `up` made, the data directory kept outside the checkout too."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from arcadia_testing.plugin import ROOT


def _load_stack() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "arcadia_infra_stack", ROOT / "infra" / "stack.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_clean_deletes_the_linked_data_directory_and_the_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack = _load_stack()
    monkeypatch.setattr(stack, "PG_OUTSIDE", tmp_path / "var-tmp-arcadia")
    # Ports nothing listens on: nothing was started, so `down` has nothing to stop.
    inst = stack.Instance(tmp_path / "state", 1, 2, 3, private=True)
    # What `up` leaves as root when the postgres user cannot reach the state directory.
    outside = stack.pg_outside_dir(inst)
    outside.mkdir(parents=True)
    (outside / "PG_VERSION").write_text("15\n")
    inst.state.mkdir()
    (inst.state / "pg").symlink_to(outside)

    stack.clean(inst)

    assert not outside.exists(), "the next `up` would relink the old cluster"
    assert not inst.state.exists()
    assert not stack.PG_OUTSIDE.exists()  # emptied, so removed


def test_clean_leaves_other_checkouts_clusters_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack = _load_stack()
    monkeypatch.setattr(stack, "PG_OUTSIDE", tmp_path / "var-tmp-arcadia")
    ours = stack.Instance(tmp_path / "ours", 1, 2, 3, private=True)
    theirs = stack.Instance(tmp_path / "theirs", 1, 2, 3, private=True)
    stack.pg_outside_dir(ours).mkdir(parents=True)
    stack.pg_outside_dir(theirs).mkdir(parents=True)

    stack.clean(ours)

    assert not stack.pg_outside_dir(ours).exists()
    assert stack.pg_outside_dir(theirs).exists()
