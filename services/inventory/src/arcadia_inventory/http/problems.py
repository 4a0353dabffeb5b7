"""Inventory's errors as problem documents: its own mapper over the shared problems module."""

from __future__ import annotations

from typing import Final

# The one import of the provider client's error class (the client is being replaced by the shared
# one); whoever needs the class, the mapper's tests included, names it through this module.
from arcadia_inventory.adapters.digitalocean import CloudProviderError as CloudProviderError
from arcadia_platform.problems import Answer, ExceptionHandler, answer, exception_handler


def inventory_answer(exc: Exception) -> Answer | None:
    """The provider being unreadable is a 502; everything else is the shared mapping's."""
    if isinstance(exc, CloudProviderError):
        return answer(502, f"The cloud provider could not be read: {exc}", "cloud-provider")
    return None


EXCEPTION_HANDLER: Final[ExceptionHandler] = exception_handler(inventory_answer)
