"""One provisioning saga is one trace across the four services, against a real stack.

The services run as processes (as everywhere in the saga tests), so each is given the test-only
span sink (`ARCADIA_<S>_TRACE_SPANS_DIR`): every finished span as a JSON line in a file per
process, read back here. The chain: the gateway's HTTP span writes DeploymentProvisioningRequested
(traceparent in its outbox row), billing's handling continues it, the provisioner's handling
schedules a job that continues it too and calls the provider, inventory's handling of
DropletActive, and the gateway's handling of DnsPointed.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from arcadia_testing.plugin import Infra, ServiceProcess, eventually, unique
from arcadia_testing.stack import SERVICES, Stack, drop_stack, start_stack
from tests.saga.conftest import PATIENT

# (service, span name) that one provisioning saga must have in its trace.
EXPECTED = {
    ("api", "POST /api/v1/deployments"),
    ("billing", "GET /internal/v1/plans/{code}"),  # the gateway's call: traceparent sent
    ("billing", "handle DeploymentProvisioningRequested"),
    ("provisioner", "handle SubscriptionReserved"),
    ("provisioner", "job create_droplet"),
    ("provisioner", "POST /v2/droplets"),
    ("provisioner", "job point_dns"),
    ("inventory", "handle DropletActive"),
    ("api", "handle DnsPointed"),
}


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return {"spans": tmp_path_factory.mktemp("spans"), "logs": tmp_path_factory.mktemp("logs")}


@pytest.fixture(scope="module")
async def stack(infra: Infra, folders: dict[str, Path]) -> AsyncIterator[Stack]:
    def make(args: list[str], env: dict[str, str], name: str) -> ServiceProcess:
        return ServiceProcess(args, env, folders["logs"] / f"{name}.log")

    env = PATIENT | {"ARCADIA_ALL_TRACE_SPANS_DIR": str(folders["spans"])}
    running = await start_stack(infra, make, env=env)
    yield running
    await drop_stack(infra, running)


def read_spans(folder: Path) -> list[dict[str, Any]]:
    spans = []
    for sink in sorted(folder.glob("*.jsonl")):
        # A line is written and flushed per span; one still being written has no newline yet.
        for line in sink.read_text().splitlines(keepends=True):
            if not line.endswith("\n"):
                continue
            span = json.loads(line)
            span["service"] = span["resource"]["attributes"]["service.name"]
            spans.append(span)
    return spans


def trace_id(span: dict[str, Any]) -> str:
    value: str = span["context"]["trace_id"]
    return value.removeprefix("0x")


async def test_one_sagas_spans_share_one_trace_across_the_four_services(
    stack: Stack, client: httpx.AsyncClient, folders: dict[str, Path]
) -> None:
    tenant = unique("trace").replace("_", "-")
    deployment_id, saga_id = await stack.provision(client, tenant, "shop")
    detail = await stack.wait_terminal(client, tenant, deployment_id, saga_id, timeout_s=120)
    assert detail["deployment"]["state"] == "active"

    def saga_trace() -> list[dict[str, Any]] | None:
        """The spans of the saga's trace, once every expected one has been written."""
        spans = read_spans(folders["spans"])
        tagged = {trace_id(s) for s in spans if s["attributes"].get("arcadia.saga_id") == saga_id}
        assert len(tagged) == 1, f"the saga's spans are in {len(tagged)} traces"
        (trace,) = tagged
        ours = [s for s in spans if trace_id(s) == trace]
        return ours if {(s["service"], s["name"]) for s in ours} >= EXPECTED else None

    async def settled() -> list[dict[str, Any]] | None:
        return saga_trace()

    spans = await eventually(settled, timeout_s=30, interval_s=0.2)
    assert {s["service"] for s in spans} == set(SERVICES)
    # One root (the gateway's request), and no span whose parent is outside the trace.
    ids = {s["context"]["span_id"] for s in spans}
    roots = [s for s in spans if s["parent_id"] is None]
    assert [(r["service"], r["name"], r["kind"]) for r in roots] == [
        ("api", "POST /api/v1/deployments", "SpanKind.SERVER")
    ]
    assert all(s["parent_id"] in ids for s in spans if s["parent_id"] is not None)
    # The log lines of the saga's handling carry the trace's id (logs' trace_id is OTel's).
    trace = trace_id(roots[0])
    output = stack.processes["provisioner"].output().splitlines()
    lines = [json.loads(line) for line in output if line.startswith("{")]
    done = [x for x in lines if x.get("event") == "job.done" and x.get("saga_id") == saga_id]
    assert done
    assert {x.get("trace_id") for x in done} == {trace}
