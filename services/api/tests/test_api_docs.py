"""The documentation the gateway serves: the AsyncAPI document and page, the OpenAPI UI's page
and assets (no CDN), and the worked examples on the main operations, which a real gateway takes."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import httpx
import jsonschema_rs
import msgspec
import pytest
from litestar.serialization import encode_json

from arcadia_api.apidocs.asyncapi_page import render
from arcadia_api.apidocs.examples import CREATE_EXAMPLES, TRANSITION_EXAMPLES, response_examples
from arcadia_api.app import create_app
from arcadia_contracts import topics
from arcadia_contracts.asyncapi import ASYNCAPI_FILE, document
from arcadia_contracts.codec import TOPIC_EVENTS
from arcadia_testing.gateway import Gateway, settings_for_tests
from arcadia_testing.plugin import unique


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    """The document as /schema/openapi.json serves it (JSON, not Python objects)."""
    schema = create_app(settings_for_tests()).openapi_schema.to_schema()
    served: dict[str, Any] = json.loads(encode_json(schema))
    return served


def test_the_page_shows_every_topic_message_and_payload_field() -> None:
    doc = document()
    page = html.unescape(render(doc))
    for topic in topics.ALL_TOPICS:
        assert f"<code>{topic}</code>" in page, topic
    channel_ids = {ch["address"]: cid for cid, ch in doc["channels"].items()}
    for topic, events in TOPIC_EVENTS.items():
        for event in events:
            anchor = f'id="{channel_ids[topic]}-{event.__name__}"'
            assert page.count(anchor) == 1, anchor
            section = page.split(anchor)[1].split("<h3")[0]
            for field in msgspec.structs.fields(event):
                assert f"<code>{field.encode_name}</code>" in section, (event, field.name)
    for inbound in topics.INBOUND_TOPICS:
        assert f"<code>{inbound}</code></h2>" not in page  # marked as inbound, not as ours
        assert f"<code>{inbound}</code> (inbound)</h2>" in page
    assert "dlq-reason" in page
    assert len(re.findall(r' id="([^"]+)"', page)) == len(set(re.findall(r' id="([^"]+)"', page)))


def test_the_page_is_self_contained() -> None:
    page = render(document())
    assert "<script" not in page
    assert re.findall(r'(?:src|href)="(https?:[^"]*)"', page) == []


def test_the_page_escapes_what_the_document_says() -> None:
    doc = document()
    doc["info"]["description"] = "<script>alert(1)</script> `x<y`"
    page = render(doc)
    assert "<script>" not in page
    assert "<code>x&lt;y</code>" in page


def test_each_response_example_matches_its_schema(openapi: dict[str, Any]) -> None:
    for (path, method, status), (_, body) in response_examples().items():
        content = openapi["paths"][path][method]["responses"][status]["content"]["application/json"]
        validator = jsonschema_rs.validator_for(
            {**content["schema"], "components": openapi["components"]}
        )
        (example,) = content["examples"].values()
        assert example["value"] == msgspec.to_builtins(body)
        assert validator.is_valid(example["value"]), (path, method, status)
        first = next(iter(example["value"]))  # the validator can say no: a required field gone
        assert not validator.is_valid({k: v for k, v in example["value"].items() if k != first})


def test_the_main_operations_have_examples_and_the_bearer_scheme(
    openapi: dict[str, Any],
) -> None:
    create = openapi["paths"]["/api/v1/deployments"]["post"]
    examples = create["requestBody"]["content"]["application/json"]["examples"]
    assert set(examples) == set(CREATE_EXAMPLES)
    transition = openapi["paths"]["/api/v1/deployments/{deployment_id}/transition"]["post"]
    assert set(transition["requestBody"]["content"]["application/json"]["examples"]) == set(
        TRANSITION_EXAMPLES
    )
    assert (
        "examples"
        in openapi["paths"]["/api/v1/deployments"]["get"]["responses"]["200"]["content"][
            "application/json"
        ]
    )
    scheme = openapi["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert create["security"] == [{"bearerAuth": []}]


async def test_the_gateway_serves_the_committed_asyncapi_document(gateway: Gateway) -> None:
    async with httpx.AsyncClient(base_url=gateway.url) as client:
        served = await client.get("/asyncapi.json")
        page = await client.get("/asyncapi")
    assert served.status_code == 200
    assert served.headers["content-type"].startswith("application/json")
    assert served.json() == json.loads(ASYNCAPI_FILE.read_text())
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "platform.payments.v1" in page.text
    assert "platform.tenants.v1" in page.text


async def test_the_schema_page_loads_every_asset_from_the_gateway(gateway: Gateway) -> None:
    async with httpx.AsyncClient(base_url=gateway.url) as client:
        page = await client.get("/schema")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page.text)
        assert len(assets) >= 4  # bundle, preset, stylesheet, icon
        for asset in assets:
            assert asset.startswith("/schema/assets/"), asset  # never a CDN
            answer = await client.get(asset)
            assert answer.status_code == 200, asset
            assert len(answer.content) > 0
        assert (await client.get("/schema/openapi.json")).json()["openapi"].startswith("3.")


async def test_the_request_examples_work_on_a_real_gateway(gateway: Gateway) -> None:
    """What the docs offer to send is what the gateway takes: the documented statuses come back."""
    tenant = unique("docs")
    headers = gateway.auth(tenant)
    async with httpx.AsyncClient(base_url=gateway.url, headers=headers) as client:
        provisioned = await client.post(
            "/api/v1/deployments", json=msgspec.to_builtins(CREATE_EXAMPLES["provision"][1])
        )
        assert provisioned.status_code == 202, provisioned.text
        assert set(provisioned.json()) == {"deployment", "saga_id"}
        trial = await client.post(
            "/api/v1/deployments", json=msgspec.to_builtins(CREATE_EXAMPLES["trial"][1])
        )
        assert trial.status_code == 201, trial.text
        deployment_id = trial.json()["id"]
        for name in ("pause", "cancel"):
            moved = await client.post(
                f"/api/v1/deployments/{deployment_id}/transition",
                json=msgspec.to_builtins(TRANSITION_EXAMPLES[name][1]),
            )
            assert moved.status_code == 200, moved.text
            assert moved.json()["state"] == TRANSITION_EXAMPLES[name][1].to
        listed = await client.get("/api/v1/deployments")
        assert listed.status_code == 200
        assert len(listed.json()["items"]) == 2
