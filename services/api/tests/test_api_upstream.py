"""The upstream adapter on its own, against a loopback server that misbehaves on purpose: each
failure becomes the gateway's 502, 503 or 504, and a refusal keeps its status and detail."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import msgspec
import pytest

from arcadia_api.http.upstream import Upstream, UpstreamFailedError, UpstreamRefusedError
from arcadia_platform.problems import FieldError
from arcadia_testing.ports import refusing_port

REFUSAL = (
    b'{"type": "urn:arcadia:billing:problem:unknown_plan", "title": "Unknown plan",'
    b' "status": 422, "detail": "no plan enterprise", "code": "unknown_plan"}'
)
INVALID = (
    b'{"type": "urn:arcadia:billing:problem:malformed_request", "status": 400, "detail": "bad",'
    b' "code": "malformed_request", "errors": [{"message": "too long", "key": "actor",'
    b' "source": "body"}]}'
)
ANSWERS = {
    "/internal/v1/ok": (200, b'{"n": 1}'),
    "/internal/v1/refused": (422, REFUSAL),
    "/internal/v1/invalid": (400, INVALID),
    "/internal/v1/crashed": (500, b'{"detail": "boom"}'),
    "/internal/v1/busy": (503, b""),
    "/internal/v1/garbage": (200, b"<html>"),
}


class Answer(msgspec.Struct):
    n: int


async def _serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    request_line = (await reader.readuntil(b"\r\n\r\n")).split(b"\r\n")[0].decode()
    path = request_line.split(" ")[1]
    if path == "/internal/v1/hang":
        await asyncio.sleep(2)
    status, body = ANSWERS.get(path, (404, b"{}"))
    writer.write(
        f"HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n".encode()
        + body
    )
    await writer.drain()
    writer.close()


@pytest.fixture
async def upstream() -> AsyncIterator[Upstream]:
    server = await asyncio.start_server(_serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = Upstream("billing", f"http://127.0.0.1:{port}/", timeout_s=0.3)
    yield client
    await client.aclose()
    server.close()


async def test_a_success_is_decoded(upstream: Upstream) -> None:
    assert await upstream.get("/ok", Answer) == Answer(n=1)


async def test_a_refusal_keeps_its_status_detail_and_code(upstream: Upstream) -> None:
    with pytest.raises(UpstreamRefusedError) as refused:
        await upstream.get("/refused", Answer)
    assert (refused.value.status, refused.value.detail) == (422, "no plan enterprise")
    assert refused.value.slug == "unknown-plan"
    with pytest.raises(UpstreamRefusedError) as invalid:
        await upstream.post("/invalid", Answer, {"actor": "x" * 300})
    assert invalid.value.extensions["errors"] == [
        FieldError(message="too long", field="actor", source="body")
    ]


@pytest.mark.parametrize(
    ("path", "status", "retry_after"),
    [
        ("/crashed", 502, None),
        ("/garbage", 502, None),
        ("/busy", 503, "5"),
        ("/hang", 504, "5"),
    ],
)
async def test_failures_are_502_503_504(
    upstream: Upstream, path: str, status: int, retry_after: str | None
) -> None:
    with pytest.raises(UpstreamFailedError) as failed:
        await upstream.get(path, Answer)
    assert failed.value.status == status
    assert failed.value.headers.get("Retry-After") == retry_after
    assert failed.value.detail.startswith("The billing service ")


async def test_a_closed_port_is_a_503() -> None:
    # Bound and never listening for the whole session: a port merely closed could be taken by
    # someone else's server before the call.
    closed = Upstream("inventory", f"http://127.0.0.1:{refusing_port()}", timeout_s=5)
    try:
        with pytest.raises(UpstreamFailedError) as failed:
            await closed.get("/drift", Answer)
    finally:
        await closed.aclose()
    assert (failed.value.status, failed.value.slug) == (503, "upstream-unavailable")
