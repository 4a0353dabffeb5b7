"""Who is calling: the identity carried by a verified token, and what it may see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

# The identity app's operator role slug. Exactly this string: `platform_admin` is not an operator.
OPERATOR_ROLE: Final = "platform-admin"


@dataclass(frozen=True)
class Principal:
    sub: str
    tenant_id: str
    roles: frozenset[str]

    @property
    def is_operator(self) -> bool:
        return OPERATOR_ROLE in self.roles

    def can_see(self, tenant_id: str) -> bool:
        """Operators see every tenant; everyone else only their own."""
        return self.is_operator or tenant_id == self.tenant_id


class NotOperatorError(Exception):
    """Only operators (`platform-admin`) may do this."""


def tenant_scope(principal: Principal, requested: str | None) -> str | None:
    """The tenant a listing covers: operators pick any (None: all); others get their own."""
    if principal.is_operator:
        return requested
    if requested is not None and requested != principal.tenant_id:
        raise NotOperatorError("only operators may look at another tenant")
    return principal.tenant_id
