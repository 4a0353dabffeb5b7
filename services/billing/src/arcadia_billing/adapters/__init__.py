"""asyncpg repositories: billing's tables in, domain objects out."""
