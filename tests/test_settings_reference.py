"""docs/settings.md is what the settings classes say: regenerated and compared, so it cannot drift."""

from __future__ import annotations

import difflib
import importlib.util
import sys
from types import ModuleType

import pytest
from pydantic_settings import BaseSettings, SettingsConfigDict

from arcadia_testing.plugin import ROOT


def _load_generator() -> ModuleType:
    path = ROOT / "tools" / "settings_reference.py"
    spec = importlib.util.spec_from_file_location("arcadia_settings_reference", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_committed_reference_is_what_the_classes_generate() -> None:
    generator = _load_generator()
    committed = generator.DOC.read_text()

    regenerated = generator.updated(committed)

    diff = "\n".join(
        difflib.unified_diff(committed.splitlines(), regenerated.splitlines(), lineterm="")
    )
    assert regenerated == committed, f"run `make settings-doc`:\n{diff}"


def test_every_service_setting_is_in_the_reference() -> None:
    generator = _load_generator()
    text = generator.DOC.read_text()
    for section in generator.SECTIONS:
        for name, _ in generator._documented_fields(section.cls):
            unprefixed = name in ("environment", "otel_exporter_otlp_endpoint")
            assert f"{section.prefix}{name.upper()}`" in text or unprefixed, name
    assert "`ARCADIA_ENV`" in text
    assert "`OTEL_EXPORTER_OTLP_ENDPOINT`" in text


class _Undocumented(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ARCADIA_X_")

    # Documented by this comment.
    commented: int = 1
    with_docstring: int = 2
    """Documented by this docstring."""
    bare: int = 3


def test_a_setting_without_a_meaning_stops_the_generator() -> None:
    generator = _load_generator()

    with pytest.raises(generator.UndocumentedError, match=r"_Undocumented\.bare"):
        list(generator._pydantic_rows(_Undocumented, "ARCADIA_X_"))


def test_a_meaning_comes_from_the_comment_above_or_the_docstring_below() -> None:
    generator = _load_generator()

    meanings = dict(generator._documented_fields(_Undocumented))

    assert meanings == {
        "commented": "Documented by this comment.",
        "with_docstring": "Documented by this docstring.",
        "bare": "",
    }
