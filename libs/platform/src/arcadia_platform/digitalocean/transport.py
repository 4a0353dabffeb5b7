"""One DigitalOcean API call: rate limit, bearer token, 429 waits, retries, errors classified."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import msgspec
from opentelemetry.trace import SpanKind

from arcadia_platform.backoff import Backoff
from arcadia_platform.digitalocean.errors import (
    ProviderRejectedError,
    ProviderUnavailableError,
)
from arcadia_platform.digitalocean.models import ErrorBody
from arcadia_platform.digitalocean.ratelimit import Limiter
from arcadia_platform.digitalocean.retry import retry_after_s
from arcadia_platform.logs import get_logger
from arcadia_platform.metrics import PROVIDER_CALLS, PROVIDER_RATE_LIMIT_WAIT
from arcadia_platform.tracing import tracer

_log = get_logger("arcadia_platform.digitalocean")
_error_decoder = msgspec.json.Decoder(ErrorBody)

# These fail before the request reaches the provider, so even a create can safely go again.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
PEER = "digitalocean"


def route_template(path: str) -> str:
    """`/v2/droplets/{id}` for `/v2/droplets/3164494`: span names without ids."""
    return "/".join("{id}" if part.isdigit() else part for part in path.split("/"))


def outcome_of(status: int) -> str:
    if status < 400:
        return "ok"
    if status in (404, 429):
        return "not_found" if status == 404 else "rate_limited"
    return "rejected" if status < 500 else "server_error"


def _error_of(response: httpx.Response) -> ErrorBody:
    try:
        return _error_decoder.decode(response.content)
    except msgspec.MsgspecError:
        return ErrorBody(id=f"http_{response.status_code}", message=response.text[:200])


class Transport:
    """Sends requests; `replay_safe=False` marks calls that must not be repeated blindly."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        limiter: Limiter | None,
        backoff: Backoff,
        max_retries: int,
        max_rate_limit_waits: int,
        max_retry_after_s: float,
        sleep: Callable[[float], Awaitable[None]],
        wall_clock: Callable[[], float],
    ) -> None:
        self._http = http
        self._limiter = limiter
        self._backoff = backoff
        self._max_retries = max_retries
        self._max_rate_limit_waits = max_rate_limit_waits
        self._max_retry_after_s = max_retry_after_s
        self._sleep = sleep
        self._wall_clock = wall_clock

    async def send(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        replay_safe: bool = True,
        accept_404: bool = False,
    ) -> httpx.Response:
        """One provider call, its retries and waits included, in one client span (see _send)."""
        route = route_template(path)
        with tracer().start_as_current_span(f"{method} {route}", kind=SpanKind.CLIENT) as span:
            if span.is_recording():
                span.set_attributes(
                    {"http.request.method": method, "url.template": route, "peer.service": PEER}
                )
            response = await self._send(
                method, path, json=json, params=params, replay_safe=replay_safe,
                accept_404=accept_404,
            )  # fmt: skip
            if span.is_recording():
                span.set_attribute("http.response.status_code", response.status_code)
            return response

    async def _send(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        replay_safe: bool = True,
        accept_404: bool = False,
    ) -> httpx.Response:
        """The 2xx response (or the 404 when `accept_404`); raises a ProviderError otherwise.

        Calls that are not replay-safe are still repeated after a 429 or a connection that never
        opened (the provider did nothing), but not after a 5xx or a timeout: the work may be done.
        """
        failures = 0
        throttled = 0
        while True:
            if self._limiter is not None:
                await self._limiter.acquire()
            try:
                response = await self._http.request(method, path, json=json, params=params)
            except httpx.TransportError as exc:
                PROVIDER_CALLS.labels(method, "unreachable").inc()
                problem = ProviderUnavailableError(f"{type(exc).__name__}: {exc}")
                retryable = replay_safe or isinstance(exc, _NOT_SENT)
            else:
                status = response.status_code
                PROVIDER_CALLS.labels(method, outcome_of(status)).inc()
                if status < 400 or (status == 404 and accept_404):
                    return response
                error = _error_of(response)
                if status == 429:
                    throttled += 1
                    wait = self._rate_limit_wait(response, throttled)
                    if throttled > self._max_rate_limit_waits:
                        raise ProviderUnavailableError(
                            "rate limited", status=429, error_id=error.id, retry_after_s=wait
                        )
                    _log.warning(
                        "digitalocean.rate_limited",
                        method=method,
                        path=path,
                        wait_s=round(wait, 3),
                        times=throttled,
                    )
                    PROVIDER_RATE_LIMIT_WAIT.labels("retry_after").inc(wait)
                    await self._sleep(wait)
                    continue
                if status < 500:
                    raise ProviderRejectedError(status, error.id or f"http_{status}", error.message)
                problem = ProviderUnavailableError(
                    f"{status} {error.id}: {error.message}", status=status, error_id=error.id
                )
                retryable = replay_safe
            if not retryable or failures >= self._max_retries:
                raise problem
            delay = self._backoff.delay(failures)
            failures += 1
            _log.warning(
                "digitalocean.retry",
                method=method,
                path=path,
                reason=problem.reason,
                attempt=failures,
                delay_s=round(delay, 3),
            )
            await self._sleep(delay)

    def _rate_limit_wait(self, response: httpx.Response, throttled: int) -> float:
        told = retry_after_s(response, self._wall_clock())
        wait = told if told is not None else self._backoff.delay(throttled)
        return min(wait, self._max_retry_after_s)
