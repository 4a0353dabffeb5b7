"""The benchmarks' reports: rows land in the right table of docs/benchmarks.md, and the saga's
latency curve is drawn as a PNG."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.hops import Handled, Sent, by_consumer, hop_delays, timeline
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


def test_each_hop_is_split_into_relay_and_consume_and_a_saga_reads_in_time_order() -> None:
    at = datetime(2026, 12, 3, tzinfo=UTC)

    def t(ms: float) -> datetime:
        return at + timedelta(milliseconds=ms)

    key = b"dep-1"
    outbox = {
        "e1": Sent("api", "Requested", key, t(0), t(7)),
        "e2": Sent("billing", "Reserved", key, t(20), t(26)),
        "e3": Sent("billing", "Reserved", b"other", t(30), None),  # not sent: left out
    }
    inbox = {
        "e1": [Handled("billing", t(17)), Handled("provisioner", t(11))],
        "e2": [Handled("provisioner", t(31))],
        "e3": [Handled("provisioner", t(40))],
    }
    hops = hop_delays(outbox, inbox)
    assert hops["relay"] == {
        "api:Requested": {"p50": 7.0, "p90": 7.0, "n": 1},
        "billing:Reserved": {"p50": 6.0, "p90": 6.0, "n": 1},
    }
    assert hops["consume"]["api:Requested -> billing"]["p50"] == 10.0
    assert hops["consume"]["api:Requested -> provisioner"]["p50"] == 4.0
    assert hops["consume"]["billing:Reserved -> provisioner"]["p50"] == 5.0
    # provisioner handled two: 4 and 5 ms; the median of an even count is the lower one here
    assert by_consumer(outbox, inbox) == {"billing": 10.0, "provisioner": 4.0}
    assert [what for _, what in timeline(key, outbox, inbox)] == [
        "written api:Requested",
        "sent    api:Requested",
        "handled provisioner <- Requested",
        "handled billing <- Requested",
        "written billing:Reserved",
        "sent    billing:Reserved",
        "handled provisioner <- Reserved",
    ]
    assert timeline(key, outbox, inbox)[-1][0] == 31.0
