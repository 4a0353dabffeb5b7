"""The OpenAPI document's configuration and its interactive page (Swagger UI) at /schema.

Swagger UI's JavaScript and CSS are served by the gateway itself from the vendored copy beside
this module (`swagger-ui/`), never from a CDN: the page works on a network without internet.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from litestar import Router
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.static_files import create_static_files_router

BEARER: Final = "bearerAuth"
SCHEMA_PATH: Final = "/schema"
SWAGGER_UI_VERSION: Final = "5.35.0"
ASSETS_DIR: Final = Path(__file__).parent / "swagger-ui"
ASSETS_PATH: Final = f"{SCHEMA_PATH}/assets"
DESCRIPTION: Final = """\
The Arcadia Cloud control plane's public API: deployments and their lifecycle, the provisioning
saga, subscriptions, the catalog, and operators' views.

**Trying it here.** Every `/api/v1` operation needs a bearer token (a JWT from the platform's
identity app with `sub`, `tenant_id` and `roles`). In development, mint one from the checkout with
`.venv/bin/arcadia token --tenant acme --role admin` (add `--role platform-admin` for operator
routes), press **Authorize**, paste it, then use *Try it out* on an operation. Each main
operation has worked examples in its request body's drop-down.

Errors are RFC 9457 problem documents (`application/problem+json`). Writes accept an
`Idempotency-Key` header: a retry with the same key and body gets the first answer again.
The events the services exchange over Kafka are described at [/asyncapi](/asyncapi)
([/asyncapi.json](/asyncapi.json)).
"""


def swagger_ui() -> SwaggerRenderPlugin:
    """Swagger UI at /schema (and /schema/swagger), with every asset from the gateway."""
    return SwaggerRenderPlugin(
        version=SWAGGER_UI_VERSION,
        js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
        css_url=f"{ASSETS_PATH}/swagger-ui.css",
        standalone_preset_js_url=f"{ASSETS_PATH}/swagger-ui-standalone-preset.js",
        path=["/", "/swagger"],
        favicon=f"<link rel='icon' type='image/png' href='{ASSETS_PATH}/favicon-32x32.png'>",
    )


def openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="Arcadia Cloud API",
        version="1.0.0",
        description=DESCRIPTION,
        path=SCHEMA_PATH,
        # The first plugin is the page at /schema; /schema/openapi.json stays the JSON document.
        render_plugins=[swagger_ui(), JsonRenderPlugin()],
        components=Components(
            security_schemes={
                BEARER: SecurityScheme(
                    type="http",
                    scheme="bearer",
                    bearer_format="JWT",
                    description="A JWT (HS256) with `sub`, `tenant_id` and `roles`; "
                    "`platform-admin` in `roles` makes the caller an operator.",
                )
            }
        ),
    )


def assets_router() -> Router:
    """The vendored Swagger UI files, public like the page that loads them."""
    return create_static_files_router(
        path=ASSETS_PATH,
        directories=[ASSETS_DIR],
        name="swagger-ui-assets",
        include_in_schema=False,
    )
