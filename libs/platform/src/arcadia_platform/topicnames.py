"""Logical topic names (the contract's) to physical ones: an optional namespace isolates a stack.

Tests give every scenario its own namespace, so that parallel tests never share a topic or a
consumer group; production runs without one.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TopicNames:
    namespace: str = ""

    def physical(self, logical: str) -> str:
        return f"{self.namespace}.{logical}" if self.namespace else logical

    def logical(self, physical: str) -> str:
        prefix = f"{self.namespace}."
        if self.namespace and physical.startswith(prefix):
            return physical[len(prefix) :]
        return physical

    def group(self, name: str) -> str:
        """Consumer group id for a service's consumer."""
        return f"{self.namespace}.{name}" if self.namespace else name
