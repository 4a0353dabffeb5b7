"""Pooled connections that go back to their pool without a round trip (see PooledConnection)."""

from __future__ import annotations

from typing import Any

import asyncpg


class PooledConnection(asyncpg.Connection):
    """A connection whose return to the pool costs no round trip unless it needs one.

    asyncpg resets every connection given back to its pool with `SELECT pg_advisory_unlock_all();
    CLOSE ALL; UNLISTEN *; RESET ALL`: one more statement (and transaction) per `acquire()`, on
    every request, consumed batch and relay round. Nothing on the platform sets session state
    except session advisory locks, and those call `holds_session_state` first, which keeps the full
    reset for that connection's next release. An open transaction is still rolled back either
    way (asyncpg's `_reset`, which runs before the query).
    """

    __slots__ = ("_holds_session_state",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._holds_session_state = False

    def holds_session_state(self) -> None:
        """This connection is about to take a session lock (or other session state)."""
        self._holds_session_state = True

    def get_reset_query(self) -> str:
        if not self._holds_session_state:
            return ""
        self._holds_session_state = False
        query: str = super().get_reset_query()
        return query


def holds_session_state(conn: Any) -> None:
    """Mark a pooled connection (or its pool proxy) as holding session state: see
    PooledConnection. A connection from `asyncpg.connect` needs no mark."""
    if hasattr(conn, "holds_session_state"):
        conn.holds_session_state()
