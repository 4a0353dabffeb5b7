"""Where the benchmarks leave their figures: dated rows in the tables of docs/benchmarks.md."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from arcadia_testing.plugin import ROOT

TABLE = ROOT / "docs" / "benchmarks.md"


def today() -> str:
    return datetime.now(UTC).date().isoformat()


def append_rows(
    heading: str, rows: list[str], *, new_section: str = "", table: Path = TABLE
) -> None:
    """Add `rows` (markdown table rows) at the end of the first table under `heading`; when the
    heading is missing, `new_section` (its intro and table header) is appended first."""
    text = table.read_text() if table.exists() else "# Benchmarks\n"
    if heading not in text:
        text = text.rstrip("\n") + f"\n\n{heading}\n\n{new_section.strip()}\n"
    lines = text.splitlines()
    at = lines.index(heading)
    while at < len(lines) and not lines[at].startswith("|"):
        at += 1
    while at < len(lines) and lines[at].startswith("|"):
        at += 1
    lines[at:at] = rows
    table.write_text("\n".join(lines) + "\n")
