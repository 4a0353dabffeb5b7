"""Worked examples on the main operations of the OpenAPI document (create, transition, list).

Every example is built from the request or response Struct itself, so one that stopped matching
its schema would fail to build; the tests also send each request example to a running gateway.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final
from uuid import UUID

import msgspec
from litestar.openapi.spec import Example, OpenAPI, OpenAPIResponse, Operation, RequestBody

from arcadia_api.deployments.domain import Deployment, DeploymentState, LlmMode
from arcadia_api.deployments.schemas import (
    AddonRequest,
    CreateDeployment,
    DeploymentPage,
    ProvisioningStarted,
    TransitionRequest,
)

DEPLOYMENTS: Final = "/api/v1/deployments"
TRANSITION: Final = "/api/v1/deployments/{deployment_id}/transition"
JSON: Final = "application/json"
AT: Final = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
DEPLOYMENT_ID: Final = UUID("0b7e8c1e-2f3a-4c5d-9e6f-7a8b9c0d1e2f")
SAGA_ID: Final = UUID("5d0c6a2b-8e4f-4a1b-b3c2-d1e0f9a8b7c6")

# name -> (summary, value): the request bodies offered in the UI's drop-down.
CREATE_EXAMPLES: Final[dict[str, tuple[str, CreateDeployment]]] = {
    "provision": (
        "Provision a droplet, DNS and a subscription (202, the saga starts)",
        CreateDeployment(
            slug="shop",
            display_name="The shop",
            provision=True,
            region="fra1",
            size="s-1vcpu-1gb",
            plan_code="studio",
            addons=[AddonRequest(code="storage_50gb")],
        ),
    ),
    "trial": (
        "A trial deployment, nothing provisioned (201)",
        CreateDeployment(slug="demo", trial=True, llm_mode=LlmMode.BYOK),
    ),
}
TRANSITION_EXAMPLES: Final[dict[str, tuple[str, TransitionRequest]]] = {
    "pause": (
        "The tenant pauses an active deployment",
        TransitionRequest(to=DeploymentState.PAUSED, reason="closed for the holidays"),
    ),
    "cancel": (
        "Cancel (202 while provisioning: the saga undoes its work)",
        TransitionRequest(to=DeploymentState.CANCELLED, reason="no longer needed"),
    ),
}


def deployment(state: DeploymentState, slug: str = "shop") -> Deployment:
    return Deployment(
        id=DEPLOYMENT_ID,
        tenant_id="acme",
        slug=slug,
        display_name="The shop",
        region="fra1",
        state=state,
        llm_mode=LlmMode.PLATFORM,
        billing_action_suspended=False,
        # no nulls in examples: Litestar drops None values when it writes the document
        template_code="storefront",
        template_version="2.4.1",
        created_at=AT,
        updated_at=AT,
    )


def response_examples() -> dict[tuple[str, str, str], tuple[str, msgspec.Struct]]:
    """(path, method, status) -> (summary, body) of the main operations' answers."""
    return {
        (DEPLOYMENTS, "post", "201"): ("Created", deployment(DeploymentState.ACTIVE)),
        (DEPLOYMENTS, "post", "202"): (
            "Provisioning started",
            ProvisioningStarted(
                deployment=deployment(DeploymentState.PROVISIONING), saga_id=SAGA_ID
            ),
        ),
        (TRANSITION, "post", "200"): ("Moved", deployment(DeploymentState.PAUSED)),
        (DEPLOYMENTS, "get", "200"): (
            "One page; pass next_cursor back as cursor",
            DeploymentPage(
                items=[deployment(DeploymentState.ACTIVE)], next_cursor="eyJ0IjoiMjAyNi0wMS0xNSJ9"
            ),
        ),
    }


def _examples(named: dict[str, tuple[str, Any]]) -> dict[str, Example]:
    return {
        name: Example(summary=summary, value=msgspec.to_builtins(value))
        for name, (summary, value) in named.items()
    }


def _operation(openapi: OpenAPI, path: str, method: str) -> Operation:
    item = (openapi.paths or {})[path]
    operation = getattr(item, method)
    assert isinstance(operation, Operation), (path, method)
    return operation


def _request(operation: Operation, named: dict[str, tuple[str, Any]]) -> None:
    body = operation.request_body
    assert isinstance(body, RequestBody)
    assert JSON in body.content
    body.content[JSON].examples = dict(_examples(named))


def document_examples(openapi: OpenAPI) -> None:
    """Put the examples on the operations of `openapi` (the app's document, edited in place)."""
    _request(_operation(openapi, DEPLOYMENTS, "post"), CREATE_EXAMPLES)
    _request(_operation(openapi, TRANSITION, "post"), TRANSITION_EXAMPLES)
    for (path, method, status), (summary, body) in response_examples().items():
        response = (_operation(openapi, path, method).responses or {})[status]
        assert isinstance(response, OpenAPIResponse)
        assert response.content is not None
        response.content[JSON].examples = dict(_examples({status: (summary, body)}))
