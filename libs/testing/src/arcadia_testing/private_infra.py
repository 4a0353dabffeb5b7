"""A private Kafka broker and PostgreSQL cluster (infra/stack.py, own ports and state) for fault
tests that kill or freeze them: the shared pair that everyone else uses is never touched."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from arcadia_testing.plugin import ROOT, Infra
from arcadia_testing.ports import free_port

STACK = ROOT / "infra" / "stack.py"
PG_USER = "arcadia"
PG_PASSWORD = "arcadia"


def _state_of(pid: int) -> str | None:
    """The process's state letter, or None when it is gone. A zombie ("Z") counts as gone: the
    machine's init does not reap orphans, so a killed server stays a zombie forever."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    state = stat.rsplit(")", 1)[1].split()[0]
    return None if state in ("Z", "X") else state


def _children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except (FileNotFoundError, ProcessLookupError):
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == parent and fields[0] not in ("Z", "X"):
            found.append(int(entry.name))
    return found


def _wait_gone(pids: list[int], timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while any(_state_of(pid) for pid in pids):
        if time.monotonic() > deadline:
            raise TimeoutError(f"processes {pids} still alive")
        time.sleep(0.05)


class PrivateInfra:
    """One broker and one server of our own, started from a state directory under `base`."""

    def __init__(self, base: Path) -> None:
        self.state = base / "infra"
        self.kafka_port = free_port()
        self.controller_port = free_port()
        self.pg_port = free_port()
        self._frozen: list[int] = []

    # ------------------------------------------------------------------ lifecycle

    def _stack(self, command: str, *, check: bool = True) -> None:
        args = [
            sys.executable,
            str(STACK),
            "--state-dir",
            str(self.state),
            "--kafka-port",
            str(self.kafka_port),
            "--controller-port",
            str(self.controller_port),
            "--pg-port",
            str(self.pg_port),
            command,
        ]
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL")
        }
        subprocess.run(args, check=check, env=env, stdout=subprocess.DEVNULL)

    def start(self) -> PrivateInfra:
        self._stack("up")
        return self

    def stop(self) -> None:
        self.thaw_postgres()
        if self._kafka_pid() is not None:
            self._stack("kafka-down", check=False)
        if self._postmaster() is not None:
            self._stack("pg-down", check=False)
        pg = self.state / "pg"
        if pg.is_symlink():
            shutil.rmtree(pg.resolve(), ignore_errors=True)
        shutil.rmtree(self.state, ignore_errors=True)

    @property
    def infra(self) -> Infra:
        return Infra(
            kafka=f"127.0.0.1:{self.kafka_port}",
            database_server=(
                f"postgresql://{PG_USER}:{PG_PASSWORD}@127.0.0.1:{self.pg_port}/postgres"
            ),
        )

    # ------------------------------------------------------------------ PostgreSQL

    @property
    def pg_data(self) -> Path:
        return (self.state / "pg").resolve()

    def _postmaster(self) -> int | None:
        try:
            pid = int((self.pg_data / "postmaster.pid").read_text().split()[0])
        except (FileNotFoundError, IndexError, ValueError):
            return None
        return pid if _state_of(pid) else None

    def postgres_pids(self) -> list[int]:
        """The postmaster and every process it forked (backends, checkpointer, walwriter...)."""
        postmaster = self._postmaster()
        return [] if postmaster is None else [postmaster, *_children(postmaster)]

    def kill9_postgres(self) -> None:
        pids = self.postgres_pids()
        assert pids, "PostgreSQL is not running"
        for pid in pids:
            # A backend may exit between the listing and its kill (once seen in CI: the whole
            # chaos module then ran against a half-killed server).
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        _wait_gone(pids)
        self._frozen = []

    def start_postgres(self) -> None:
        if self._postmaster() is None:
            # The killed postmaster is a zombie that init never reaps; PostgreSQL would take its
            # pid for a live server and refuse to start. Every process of it is dead (see above).
            (self.pg_data / "postmaster.pid").unlink(missing_ok=True)
        self._stack("pg-up")

    def freeze_postgres(self) -> None:
        pids = self.postgres_pids()
        assert pids, "PostgreSQL is not running"
        self._frozen = []
        # The postmaster first (it forks no more), then its children; a backend forked before it
        # stopped shows up in the next listing. One that exits in between is simply gone (a
        # failed kill here once left the whole chaos module with a half-frozen server).
        while pids:
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGSTOP)
            self._frozen.extend(pids)
            pids = [pid for pid in self.postgres_pids() if pid not in self._frozen]

    def thaw_postgres(self) -> None:
        for pid in self._frozen:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
        self._frozen = []

    # ------------------------------------------------------------------ Kafka

    def _kafka_pid(self) -> int | None:
        try:
            pid = int((self.state / "kafka" / "kafka.pid").read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        return pid if _state_of(pid) else None

    def kill9_kafka(self) -> None:
        pid = self._kafka_pid()
        assert pid is not None, "Kafka is not running"
        os.kill(pid, signal.SIGKILL)
        _wait_gone([pid])

    def start_kafka(self) -> None:
        self._stack("kafka-up")
