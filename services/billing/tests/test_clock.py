"""The clock file whole-stack tests move billing's time with (no server needed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from arcadia_billing.clock import file_clock


def test_the_file_clock_reads_the_time_written_and_falls_back_to_the_system(
    tmp_path: Path,
) -> None:
    path = tmp_path / "clock"
    clock = file_clock(str(path))
    assert abs(clock() - datetime.now(UTC)) < timedelta(seconds=5)  # no file: the system's

    path.write_text("2031-05-01T00:00:00+02:00\n")
    assert clock() == datetime(2031, 4, 30, 22, tzinfo=UTC)

    path.write_text("")
    assert abs(clock() - datetime.now(UTC)) < timedelta(seconds=5)
