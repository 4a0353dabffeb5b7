"""An async client for the /_sim dev endpoints, for tests, benchmarks and scripts."""

from __future__ import annotations

from types import TracebackType
from typing import Any

import httpx


class SimAdmin:
    """Inject faults, read state, change settings and reset a running cloudsim."""

    def __init__(self, base_url: str, *, timeout_s: float = 5.0) -> None:
        self._http = httpx.AsyncClient(base_url=base_url, timeout=timeout_s)

    async def __aenter__(self) -> SimAdmin:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def inject(
        self,
        operation: str,
        fault: int | str,
        *,
        count: int = 1,
        hang_ms: int | None = None,
        retry_after_s: int | None = None,
    ) -> None:
        body: dict[str, Any] = {"operation": operation, "fault": fault, "count": count}
        if hang_ms is not None:
            body["hang_ms"] = hang_ms
        if retry_after_s is not None:
            body["retry_after_s"] = retry_after_s
        (await self._http.post("/_sim/faults", json=body)).raise_for_status()

    async def clear_faults(self) -> None:
        (await self._http.delete("/_sim/faults")).raise_for_status()

    async def state(self) -> dict[str, Any]:
        response = await self._http.get("/_sim/state")
        response.raise_for_status()
        state: dict[str, Any] = response.json()
        return state

    async def configure(
        self,
        *,
        activation_delay_ms: int | None = None,
        default_hang_ms: int | None = None,
        requests_per_minute: int | None = None,
    ) -> None:
        body = {
            "activation_delay_ms": activation_delay_ms,
            "default_hang_ms": default_hang_ms,
            "requests_per_minute": requests_per_minute,
        }
        settings = {k: v for k, v in body.items() if v is not None}
        (await self._http.post("/_sim/config", json=settings)).raise_for_status()

    async def reset(self) -> None:
        (await self._http.post("/_sim/reset")).raise_for_status()
