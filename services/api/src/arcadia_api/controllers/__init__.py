"""HTTP controllers: routing, parameters and documentation; the work happens elsewhere."""
