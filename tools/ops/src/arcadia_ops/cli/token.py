"""`arcadia token --tenant T [--role R ...] [--sub S] [--ttl SECONDS]`: a token for the local stack."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

from arcadia_ops import gateway
from arcadia_ops.cli.output import JsonOption, emit_json, err

ROLE_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def token(
    tenant: Annotated[str, typer.Option("--tenant", help="tenant_id claim")],
    roles: Annotated[
        list[str] | None,
        typer.Option(
            "--role",
            metavar="ROLE",
            help="role slug, repeatable (default: admin); operators: platform-admin",
        ),
    ] = None,
    sub: Annotated[str, typer.Option(help="subject (default: arcadia-cli)")] = "arcadia-cli",
    ttl: Annotated[int, typer.Option(help="lifetime in seconds (default 3600)")] = 3600,
    private_key: Annotated[
        Path | None,
        typer.Option("--private-key", help="PEM private key, when the gateway is set up for RS256"),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Print a bearer token the local gateway accepts.

    Signs with the gateway's settings (ARCADIA_API_JWT_*): the same claims as the identity app's
    tokens (sub, tenant_id, roles, iss, aud, iat, exp, jti)."""
    if gateway.TENANT_ID.fullmatch(tenant) is None:
        err.print(f"arcadia: {tenant!r} is not a valid tenant id", markup=False)
        raise typer.Exit(2)
    if ttl <= 0:
        err.print("arcadia: --ttl must be positive", markup=False)
        raise typer.Exit(2)
    chosen = roles or ["admin"]
    for role in chosen:
        if ROLE_SLUG.fullmatch(role) is None:
            err.print(
                f"arcadia: warning: {role!r} is not a hyphenated role slug; the gateway will not"
                " treat it as any known role (the operator role is platform-admin)",
                markup=False,
            )
    key = private_key.read_text() if private_key else None
    try:
        signed = gateway.sign(tenant_id=tenant, roles=chosen, sub=sub, ttl_s=ttl, private_key=key)
    except ValueError as exc:
        err.print(f"arcadia: {exc}", markup=False)
        raise typer.Exit(2) from exc
    if as_json:
        emit_json({"token": signed, "tenant_id": tenant, "roles": chosen, "sub": sub})
        return
    # Plain print: a token must never be wrapped or styled.
    print(signed)
