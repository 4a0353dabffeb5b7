"""Structured logging: structlog, JSON lines on stdout (or console lines for humans)."""

from __future__ import annotations

import logging
import sys
import time

import structlog

# How often one repeated library line (same logger, level and message template) gets through.
REPEAT_EVERY_S = 30.0


class RepeatFilter(logging.Filter):
    """Lets a repeated library line through once per `every_s`, saying how many it held back.

    While Kafka is down aiokafka logs every failed connect and fetch, several a second per
    client: a 60 s outage would cost each service thousands of identical lines. The first one
    still shows at once, and so does any line with a new message template.
    """

    def __init__(self, every_s: float = REPEAT_EVERY_S) -> None:
        super().__init__()
        self.every_s = every_s
        self._seen: dict[tuple[str, int, str], tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, record.levelno, str(record.msg))
        now = time.monotonic()
        shown_at, held = self._seen.get(key, (-self.every_s, 0))
        if now - shown_at < self.every_s:
            self._seen[key] = (shown_at, held + 1)
            return False
        self._seen[key] = (now, 0)
        if held:
            # Appended to the template, so %-formatting of the record's args is unaffected.
            record.msg = f"{record.msg} [{held} more like this in the last {self.every_s:.0f} s]"
        return True


def configure_logging(level: str = "INFO", *, json: bool = True, service: str = "") -> None:
    processors: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
    ]
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[*processors, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stdout),
        cache_logger_on_first_use=True,
    )
    if service:
        structlog.contextvars.bind_contextvars(service=service)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RepeatFilter) for f in handler.filters):
            handler.addFilter(RepeatFilter())
    # Libraries log every HTTP request and Kafka rebalance at INFO; keep warnings and above.
    for noisy in ("httpx", "aiokafka", "faststream", "kafka"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level.upper())))


def get_logger(name: str) -> structlog.typing.FilteringBoundLogger:
    logger: structlog.typing.FilteringBoundLogger = structlog.get_logger(name)
    return logger
