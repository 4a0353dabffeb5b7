"""/api/v1/ops: the operators' audit, the same report as `arcadia audit`."""
