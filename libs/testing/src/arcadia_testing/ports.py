"""Loopback ports for test processes: free ones reserved across processes, and ones that refuse."""

from __future__ import annotations

import fcntl
import os
import random
import socket
import tempfile
from pathlib import Path

# Ports handed to services are picked below the kernel's ephemeral range, so that no outgoing
# connection (Kafka, PostgreSQL, httpx clients of every test on the machine) nor any `bind(0)` can
# take one between the moment it is picked and the moment the service binds it, or while a killed
# service is down before its restart. Processes that pick ports this way coordinate through a lock
# file per port, held until the process exits.
_PORT_LOCKS = Path(tempfile.gettempdir()) / "arcadia-test-ports"
_PORT_SPAN = 12_000
_reserved_ports: dict[int, int] = {}  # port -> descriptor of its held lock file
_refusing_sockets: list[socket.socket] = []


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default; macOS's range starts higher still


def _bindable(port: int) -> bool:
    # As a server binds (uvicorn sets SO_REUSEADDR): a port in TIME_WAIT is fine, a listener not.
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _lock(port: int) -> int | None:
    try:
        descriptor = os.open(_PORT_LOCKS / f"{port}.lock", os.O_RDWR | os.O_CREAT, 0o666)
    except PermissionError:  # another user's lock file: treat the port as theirs
        return None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(descriptor)
        return None
    return descriptor


def free_port() -> int:
    """A loopback TCP port that nothing listens on, reserved for this process until it exits.

    Safe to bind seconds later, and again after the service on it was killed: the port is outside
    the kernel's ephemeral range and no other caller of `free_port` (in any process) gets it.
    """
    _PORT_LOCKS.mkdir(parents=True, exist_ok=True)
    high = max(_ephemeral_low(), 2048)
    low = max(1024, high - _PORT_SPAN)
    start = random.randrange(low, high)  # spreads concurrent sessions over the span
    for offset in range(high - low):
        port = low + (start - low + offset) % (high - low)
        if port in _reserved_ports:
            continue
        descriptor = _lock(port)
        if descriptor is None:
            continue
        if _bindable(port):
            _reserved_ports[port] = descriptor
            return port
        os.close(descriptor)  # someone outside the scheme holds it: leave it to them
    raise RuntimeError(f"no free loopback port in {low}..{high - 1}")


def refusing_port() -> int:
    """A loopback port that refuses every connection until this process exits: an upstream that
    is down. A socket is bound there and never listens, so no one else can take the port later
    in the session and answer in the test's place."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    _refusing_sockets.append(sock)
    port: int = sock.getsockname()[1]
    return port
