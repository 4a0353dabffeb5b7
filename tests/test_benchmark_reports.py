"""The benchmarks' reports: rows land in the right table of docs/benchmarks.md, and the saga's
latency curve is drawn as a PNG."""

from __future__ import annotations

from pathlib import Path

from benchmarks.report import append_rows
from benchmarks.saga import draw_curve, table_row

DOC = """# Benchmarks

## Pipeline

| date | run |
|---|---|
| 2026-01-01 | old |

Some text after the table.

## Saga

| date | run |
|---|---|
| 2026-01-02 | old saga |
"""


def test_rows_go_to_the_end_of_their_own_table(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    doc.write_text(DOC)
    append_rows("## Pipeline", ["| 2026-12-03 | new |"], table=doc)
    lines = doc.read_text().splitlines()
    assert lines[lines.index("| 2026-01-01 | old |") + 1] == "| 2026-12-03 | new |"
    assert lines[-1] == "| 2026-01-02 | old saga |"  # the other table is untouched


def test_a_missing_section_is_created_with_its_header(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    doc.write_text(DOC)
    header = "Intro.\n\n| date | figure |\n|---|---|"
    append_rows("## New", ["| 2026-12-03 | 42 |"], new_section=header, table=doc)
    assert doc.read_text().endswith(
        "## New\n\nIntro.\n\n| date | figure |\n|---|---|\n| 2026-12-03 | 42 |\n"
    )


def run(rate: float | str, p50: float) -> dict[str, object]:
    return {
        "sagas": 50,
        "concurrency": 100,
        "target_rate_per_s": rate,
        "completed_per_s": 9.9,
        "latency_ms": {"p50": p50, "p90": p50 * 2, "p99": p50 * 3},
    }


def test_a_saturated_run_reports_no_latency_and_a_paced_one_does() -> None:
    assert table_row(run("max", 10.0), "").endswith("| 50 | 9.9 | (queueing) | (queueing) |")
    assert table_row(run(5.0, 10.0), "note").split(" | ")[1:] == [
        "paced at 5.0/s, note",
        "50",
        "9.9",
        "10.0",
        "30.0 |",
    ]


def test_the_latency_curve_is_a_png(tmp_path: Path) -> None:
    png = tmp_path / "curve.png"
    draw_curve([run(rate, 10.0 * rate) for rate in (1.0, 2.0, 3.0, 4.0, 5.0)], png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
