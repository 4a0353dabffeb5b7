"""Repeated library log lines (a broker that stays down) are let through once per interval."""

from __future__ import annotations

import logging

from arcadia_platform.logs import RepeatFilter


def record(msg: str, *args: object, name: str = "aiokafka.client") -> logging.LogRecord:
    return logging.LogRecord(name, logging.ERROR, __file__, 1, msg, args, None)


def test_a_repeated_line_passes_once_per_interval_and_says_how_many_it_held() -> None:
    repeats = RepeatFilter(every_s=3600)
    template = "Unable connect to node with id %s: %s"

    assert repeats.filter(record(template, 1, "refused"))
    assert not any(repeats.filter(record(template, 1, f"refused {i}")) for i in range(500))
    # Other templates, loggers and levels are not held back by it.
    assert repeats.filter(record("Unable to update metadata from %s", [1]))
    assert repeats.filter(record(template, 1, "refused", name="aiokafka.consumer"))


def test_after_the_interval_the_line_passes_again_with_the_count() -> None:
    repeats = RepeatFilter(every_s=0.0)
    template = "Failed fetch messages from %s: %s"
    assert repeats.filter(record(template, 1, "closed"))
    held = RepeatFilter(every_s=3600)
    held.filter(record(template, 1, "closed"))
    held.filter(record(template, 1, "closed"))
    held.every_s = 0.0  # the interval has passed
    again = record(template, 1, "closed")
    assert held.filter(again)
    assert (
        again.getMessage()
        == "Failed fetch messages from 1: closed [1 more like this in the last 0 s]"
    )
