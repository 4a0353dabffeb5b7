"""The one place arcadia_ops imports the gateway's code (arcadia_api): token settings, signer."""

from __future__ import annotations

from collections.abc import Sequence

from arcadia_api.config import ApiSettings
from arcadia_api.http.tokens import TENANT_ID, issue_token

OPERATOR_ROLES = ("admin", "platform-admin")

__all__ = ["OPERATOR_ROLES", "TENANT_ID", "operator_token", "sign"]


def sign(
    *, tenant_id: str, roles: Sequence[str], sub: str, ttl_s: int, private_key: str | None
) -> str:
    """A token signed with the gateway's settings (ARCADIA_API_JWT_*); ValueError if it cannot."""
    return issue_token(
        ApiSettings(),
        tenant_id=tenant_id,
        roles=list(roles),
        sub=sub,
        ttl_s=ttl_s,
        private_key=private_key,
    )


def operator_token() -> str:
    """A short-lived operator token for the gateway's internal routes."""
    return sign(
        tenant_id="ops", roles=OPERATOR_ROLES, sub="arcadia-cli", ttl_s=300, private_key=None
    )
