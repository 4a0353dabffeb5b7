"""Cross-service tests."""
