"""I/O edges of the api service: asyncpg repositories."""
