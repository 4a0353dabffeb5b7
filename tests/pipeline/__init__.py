"""Outbox -> Kafka -> inbox pipeline tests, against real Kafka and PostgreSQL."""
