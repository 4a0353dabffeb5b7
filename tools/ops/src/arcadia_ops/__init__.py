"""Operators' tools for the Arcadia control plane: the cross-service audit."""
