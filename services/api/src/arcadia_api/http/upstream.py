"""An internal service reached over httpx; its refusals and failures become gateway problems."""

from __future__ import annotations

import re
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, Final, TypeVar

import httpx
import msgspec

from arcadia_platform.logs import get_logger
from arcadia_platform.problems import FieldError, ProblemError
from arcadia_platform.service_auth import DEV_SERVICE_SECRET, ServiceCredential
from arcadia_platform.tracing import propagate

log = get_logger(__name__)
T = TypeVar("T")
INTERNAL_API: Final = "/internal/v1"
RETRY_AFTER_S: Final = "5"
# The gateway's caller name on the internal APIs (their `INTERNAL_CALLERS` list it as `api`).
CALLER: Final = "api"


class UpstreamRefusedError(ProblemError):
    """The upstream answered 4xx: the gateway answers the same status with the same detail."""


class UpstreamFailedError(ProblemError):
    """The upstream gave no usable answer: 502 (it failed), 503 (unreachable), 504 (too slow)."""


class _UpstreamProblem(msgspec.Struct, frozen=True, kw_only=True):
    """What the gateway reads of an upstream's RFC 9457 answer (billing's and inventory's)."""

    type: str = "about:blank"
    detail: str | None = None
    code: str | None = None
    errors: list[dict[str, Any]] | None = None


class Upstream:
    """One shared connection pool to one internal service; closed with the app."""

    def __init__(
        self, name: str, base_url: str, timeout_s: float, *, secret: str = DEV_SERVICE_SECRET
    ) -> None:
        """`secret`: the gateway's service credential on the upstream (caller `api`)."""
        self.name = name
        self._http = httpx.AsyncClient(
            base_url=f"{base_url.rstrip('/')}{INTERNAL_API}",
            timeout=timeout_s,
            headers={"accept": "application/json"},
            auth=ServiceCredential(CALLER, secret),
            event_hooks={"request": [propagate]},  # traceparent: the upstream's span is a child
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def get(
        self,
        path: str,
        answer: type[T],
        *,
        params: Mapping[str, str | int | None] | None = None,
        timeout_s: float = 0,
    ) -> T:
        query = {k: v for k, v in (params or {}).items() if v is not None}
        return await self._call("GET", path, answer, params=query, timeout_s=timeout_s)

    async def post(self, path: str, answer: type[T], body: dict[str, Any]) -> T:
        return await self._call("POST", path, answer, content=msgspec.json.encode(body))

    async def _call(
        self,
        method: str,
        path: str,
        answer: type[T],
        *,
        params: dict[str, str | int] | None = None,
        content: bytes | None = None,
        timeout_s: float = 0,
    ) -> T:
        headers = {"content-type": "application/json"} if content is not None else None
        timeout = httpx.Timeout(timeout_s) if timeout_s else httpx.USE_CLIENT_DEFAULT
        try:
            response = await self._http.request(
                method, path, params=params, content=content, headers=headers, timeout=timeout
            )
        except httpx.TimeoutException as exc:
            log.warning("upstream.timeout", upstream=self.name, path=path, error=repr(exc))
            raise self._failed(504, "did not answer in time", retry=True) from exc
        except httpx.TransportError as exc:
            log.warning("upstream.unreachable", upstream=self.name, path=path, error=repr(exc))
            raise self._failed(503, "is unavailable; try again later", retry=True) from exc
        except httpx.RequestError as exc:  # e.g. an answer whose encoding cannot be decoded
            log.error("upstream.bad_answer", upstream=self.name, path=path, error=repr(exc))
            raise self._failed(502, "gave an answer the gateway cannot read") from exc
        if response.is_success:
            try:
                return msgspec.json.decode(response.content, type=answer)
            except (msgspec.DecodeError, msgspec.ValidationError) as exc:
                log.error("upstream.bad_answer", upstream=self.name, path=path, error=str(exc))
                raise self._failed(502, "gave an answer the gateway cannot read") from exc
        raise self._problem(path, response)

    def _problem(self, path: str, response: httpx.Response) -> ProblemError:
        status = response.status_code
        try:
            said = msgspec.json.decode(response.content, type=_UpstreamProblem)
        except (msgspec.DecodeError, msgspec.ValidationError):
            said = _UpstreamProblem()
        if status in (401, 403):
            # The upstream refused the gateway itself (its service credential), not the client:
            # a configuration fault of the platform, never the tenant's 401.
            log.error("upstream.refused_gateway", upstream=self.name, path=path, status=status)
            return self._failed(502, f"refused the gateway's service credential ({status})")
        if 400 <= status < 500:
            return UpstreamRefusedError(
                status,
                said.detail or HTTPStatus(status).phrase,
                slug=_slug(said),
                errors=_field_errors(said.errors),
            )
        log.warning("upstream.failed", upstream=self.name, path=path, status=status)
        if status == 503:
            return self._failed(503, "is unavailable; try again later", retry=True)
        if status == 504:
            return self._failed(504, "did not answer in time", retry=True)
        suffix = f": {said.detail}" if said.detail else ""
        return self._failed(502, f"failed ({status}){suffix}")

    def _failed(self, status: int, what: str, *, retry: bool = False) -> UpstreamFailedError:
        slugs = {502: "upstream-failed", 503: "upstream-unavailable", 504: "upstream-timeout"}
        return UpstreamFailedError(
            status,
            f"The {self.name} service {what}",
            slug=slugs[status],
            headers={"Retry-After": RETRY_AFTER_S} if retry else None,
        )


def _slug(said: _UpstreamProblem) -> str | None:
    """The upstream's stable problem code, in the gateway's slug spelling."""
    if said.code:
        return said.code.replace("_", "-")
    if said.type == "about:blank":
        return None
    return re.split(r"[/:]", said.type)[-1] or None


def _field_errors(errors: list[dict[str, Any]] | None) -> list[FieldError] | None:
    if not errors:
        return None
    return [
        FieldError(
            message=str(error.get("message", "invalid")),
            # `field` as the shared problems module names it; `key` as Litestar's raw errors did.
            field=str(error.get("field", error.get("key")))
            if {"field", "key"} & error.keys()
            else None,
            source=str(error["source"]) if "source" in error else None,
        )
        for error in errors
    ]
