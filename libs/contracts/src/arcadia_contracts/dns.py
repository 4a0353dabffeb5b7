"""The DNS label of a tenant: shared vocabulary of the provisioner (which points the records)
and the operators' audit (which checks them).

A label is a readable prefix plus the first 8 hex digits of the SHA-256 of the exact tenant id,
so it is stable (the same id always gives the same label) and unique to the tenant: ids that
read alike once lowercased and stripped of punctuation (`org:acme`, `org-acme`, `ORG.acme`)
still get different labels. A deployment's record name is `<slug>.<tenant label>`.
"""

from __future__ import annotations

import hashlib
import re
from typing import Final

HASH_HEX_DIGITS: Final = 8
MAX_LABEL: Final = 63  # RFC 1035
_PREFIX_MAX: Final = MAX_LABEL - HASH_HEX_DIGITS - 1
_NOT_LDH: Final = re.compile(r"[^a-z0-9]+")


def tenant_dns_label(tenant_id: str) -> str:
    """`<readable prefix>-<8 hex of sha256(tenant_id)>`, a lowercase DNS label of <= 63 chars."""
    digest = hashlib.sha256(tenant_id.encode()).hexdigest()[:HASH_HEX_DIGITS]
    prefix = _NOT_LDH.sub("-", tenant_id.lower())[:_PREFIX_MAX].strip("-")
    return f"{prefix or 't'}-{digest}"


def record_name(slug: str, tenant_id: str) -> str:
    """A deployment's A record name, relative to the base domain: `<slug>.<tenant label>`."""
    return f"{slug}.{tenant_dns_label(tenant_id)}"
