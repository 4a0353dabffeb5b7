"""The test helpers' ports: a picked port stays ours, a refusing port refuses for good."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from arcadia_testing.ports import _ephemeral_low, free_port, refusing_port


def test_picked_ports_are_distinct_bindable_and_outside_the_ephemeral_range() -> None:
    ports = [free_port() for _ in range(50)]
    assert len(set(ports)) == len(ports)
    assert all(1024 <= port < _ephemeral_low() for port in ports)
    for port in ports:
        with socket.socket() as server:
            server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            server.bind(("127.0.0.1", port))
            server.listen()


def test_a_port_is_never_handed_out_twice_in_the_session_even_once_freed() -> None:
    first = free_port()
    with socket.socket() as server:  # a service ran there and stopped
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", first))
        server.listen()
    assert first not in {free_port() for _ in range(200)}


def test_another_process_never_gets_a_port_this_one_holds() -> None:
    ours = {free_port() for _ in range(100)}
    script = (
        "from arcadia_testing.ports import free_port\n"
        "print(' '.join(str(free_port()) for _ in range(300)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    theirs = {int(port) for port in result.stdout.split()}
    assert len(theirs) == 300
    assert not ours & theirs


def test_a_refusing_port_refuses_and_cannot_be_taken_by_a_server() -> None:
    port = refusing_port()
    with socket.socket() as client, pytest.raises(ConnectionRefusedError):
        client.connect(("127.0.0.1", port))
    with socket.socket() as intruder:
        intruder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        with pytest.raises(OSError, match="in use"):
            intruder.bind(("127.0.0.1", port))
