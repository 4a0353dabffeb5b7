"""Structured logging: structlog, JSON lines on stdout (or console lines for humans).

Our own lines and the libraries' (aiokafka, faststream, uvicorn, asyncpg, through the root
logger's handler) are rendered alike, with the context variables bound at the time: the service,
and while an event is handled (`event_context`), its correlation, saga and deployment ids. A
trace id is added to every line when `trace_id_source` (set by the tracing set-up) returns one.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any

import structlog

from arcadia_contracts import Envelope

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


# The current trace id (hex), or None outside a trace; the tracing set-up replaces it.
def no_trace() -> str | None:
    return None


trace_id_source: Callable[[], str | None] = no_trace


def set_trace_id_source(source: Callable[[], str | None]) -> None:
    global trace_id_source
    trace_id_source = source


def add_trace_id(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    trace_id = trace_id_source()
    if trace_id:
        event_dict.setdefault("trace_id", trace_id)
    return event_dict


@contextmanager
def event_context(event: Envelope) -> Iterator[None]:
    """Bind the event's correlation, saga and deployment ids (and its type and id) to every log
    line written while it is handled, ours and the libraries'; unbound afterwards."""
    with structlog.contextvars.bound_contextvars(
        correlation_id=str(event.correlation_id),
        saga_id=str(event.saga_id) if event.saga_id else None,
        deployment_id=str(event.deployment_id) if event.deployment_id else None,
        event_id=str(event.event_id),
        event_type=event.type,
    ):
        yield


# Libraries that configure their own handlers (uvicorn's default log config): their lines go to
# the root logger's JSON handler instead.
OWN_HANDLERS = ("uvicorn", "uvicorn.error", "uvicorn.access")


def configure_logging(level: str = "INFO", *, json: bool = True, service: str = "") -> None:
    processors: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        add_trace_id,
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
    _route_library_logs(processors, renderer)
    # Libraries log every HTTP request and Kafka rebalance at INFO; keep warnings and above.
    for noisy in ("httpx", "aiokafka", "faststream", "kafka"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level.upper())))


def _route_library_logs(
    processors: list[structlog.typing.Processor], renderer: structlog.typing.Processor
) -> None:
    """One root handler on stdout rendering standard-library records like our own lines."""
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.add_logger_name, *processors],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "arcadia", False)]:
        root.removeHandler(old)
    handler = logging.StreamHandler(sys.stdout)
    handler.arcadia = True  # type: ignore[attr-defined]
    handler.setFormatter(formatter)
    handler.addFilter(RepeatFilter())
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    logging.captureWarnings(True)  # Python's warnings too, as "py.warnings" lines
    for name in OWN_HANDLERS:
        library = logging.getLogger(name)
        library.handlers.clear()
        library.propagate = True


def get_logger(name: str) -> structlog.typing.FilteringBoundLogger:
    logger: structlog.typing.FilteringBoundLogger = structlog.get_logger(name)
    return logger
