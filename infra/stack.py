"""Local infrastructure without Docker: Apache Kafka (KRaft) from Maven Central, PostgreSQL from the OS.

Standard library only, so it runs before the Python environment exists.

    python3 infra/stack.py up        # idempotent: reuses a running broker/server
    python3 infra/stack.py down      # stops what `up` started
    python3 infra/stack.py status
    python3 infra/stack.py env       # prints the connection settings as shell exports

State (jars, data, logs, pids) lives in `.local/` at the repository root. `KAFKA_BOOTSTRAP_SERVERS`
and `DATABASE_URL`, when set, name servers that are used as they are and never started here.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
STATE = ROOT / ".local"
KAFKA_HOME = STATE / "kafka"
KAFKA_PORT = int(os.environ.get("ARCADIA_KAFKA_PORT", "9092"))
CONTROLLER_PORT = KAFKA_PORT + 1
PG_PORT = int(os.environ.get("ARCADIA_PG_PORT", "55432"))
PG_USER = "arcadia"
PG_PASSWORD = "arcadia"
SERVICE_DATABASES = ("arcadia_api", "arcadia_billing", "arcadia_provisioner", "arcadia_inventory")
KAFKA_HEAP = os.environ.get("ARCADIA_KAFKA_HEAP", "-Xms256m -Xmx512m")


def log(message: str) -> None:
    print(f"[stack] {message}", flush=True)


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def wait_for(predicate: Callable[[], bool], what: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.25)
    raise SystemExit(f"[stack] timed out waiting for {what}")


def pid_alive(pid_file: Path) -> int | None:
    try:
        pid = int(pid_file.read_text().strip())
        os.kill(pid, 0)
    except (FileNotFoundError, ValueError, ProcessLookupError, PermissionError):
        return None
    return pid


# --------------------------------------------------------------------------- Kafka


def kafka_jars() -> Path:
    """Resolve the broker's jars with Maven into .local/kafka/libs (once per pom change)."""
    libs = KAFKA_HOME / "libs"
    pom = ROOT / "infra" / "kafka" / "pom.xml"
    stamp = libs / ".pom.sha256"
    digest = hashlib.sha256(pom.read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return libs
    if shutil.which("mvn") is None:
        raise SystemExit("[stack] Maven (mvn) is needed to fetch Apache Kafka from Maven Central")
    log("resolving Apache Kafka from Maven Central")
    if libs.exists():
        shutil.rmtree(libs)
    subprocess.run(
        [
            "mvn",
            "-q",
            "-B",
            "-f",
            str(pom),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={libs}",
            "-DincludeScope=runtime",
        ],
        check=True,
    )
    stamp.write_text(digest)
    return libs


def kafka_java(main: str, *args: str, heap: str = "-Xmx256m") -> list[str]:
    java = shutil.which("java")
    if java is None:
        raise SystemExit("[stack] Java 17+ is needed to run Apache Kafka")
    return [
        java,
        *heap.split(),
        "-XX:+UseG1GC",
        "-Djava.awt.headless=true",
        f"-Dlog4j2.configurationFile={ROOT / 'infra' / 'kafka' / 'log4j2.properties'}",
        f"-Dkafka.logs.dir={KAFKA_HOME / 'logs'}",
        "-cp",
        str(KAFKA_HOME / "libs" / "*"),
        main,
        *args,
    ]


def kafka_up() -> None:
    pid_file = KAFKA_HOME / "kafka.pid"
    if port_open(KAFKA_PORT):
        log(f"Kafka already listening on 127.0.0.1:{KAFKA_PORT}")
        return
    kafka_jars()
    data = KAFKA_HOME / "data"
    config = KAFKA_HOME / "server.properties"
    template = (ROOT / "infra" / "kafka" / "server.properties.in").read_text()
    config.write_text(
        template.replace("@KAFKA_PORT@", str(KAFKA_PORT))
        .replace("@CONTROLLER_PORT@", str(CONTROLLER_PORT))
        .replace("@DATA_DIR@", str(data))
    )
    (KAFKA_HOME / "logs").mkdir(parents=True, exist_ok=True)
    if not (data / "meta.properties").exists():
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        log("formatting Kafka storage")
        subprocess.run(
            # `--cluster-id=ID` in one word: a random id may start with "-", which argparse would
            # take for an option as a separate argument.
            kafka_java(
                "kafka.tools.StorageTool", "format", f"--cluster-id={cluster_id}", "-c", str(config)
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
    log(f"starting Kafka on 127.0.0.1:{KAFKA_PORT}")
    out = open(KAFKA_HOME / "logs" / "server.out", "ab")  # noqa: SIM115 - handed to the child
    proc = subprocess.Popen(
        kafka_java("kafka.Kafka", str(config), heap=KAFKA_HEAP),
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    pid_file.write_text(str(proc.pid))

    def ready() -> bool:
        if proc.poll() is not None:
            raise SystemExit(f"[stack] Kafka exited; see {KAFKA_HOME / 'logs' / 'server.out'}")
        return port_open(KAFKA_PORT)

    wait_for(ready, "Kafka")


def kafka_down() -> None:
    stop_pid(KAFKA_HOME / "kafka.pid", "Kafka")


def stop_pid(pid_file: Path, name: str) -> None:
    pid = pid_alive(pid_file)
    if pid is None:
        return
    log(f"stopping {name} (pid {pid})")
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.2)
    else:
        os.kill(pid, signal.SIGKILL)
    pid_file.unlink(missing_ok=True)


# --------------------------------------------------------------------------- PostgreSQL


def pg_bindir() -> Path:
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists():
            return candidate
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    return Path()


def pg_install() -> Path:
    bindir = pg_bindir()
    if (bindir / "initdb").exists():
        return bindir
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise SystemExit("[stack] PostgreSQL is missing: install it, or set DATABASE_URL")
    log("installing PostgreSQL from the OS packages")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", "postgresql"],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    return pg_bindir()


def pg_data_dir(run_as: str | None) -> Path:
    """.local/pg, or (as root, when the postgres user cannot reach the repo) a linked directory."""
    link = STATE / "pg"
    if run_as is None or link.is_symlink() or link.exists():
        return link.resolve() if link.is_symlink() else link
    reachable = (
        subprocess.run(
            ["runuser", "-u", run_as, "--", "test", "-x", str(STATE)], check=False
        ).returncode
        == 0
    )
    if reachable:
        return link
    outside = Path("/var/tmp/arcadia") / hashlib.sha256(str(ROOT).encode()).hexdigest()[:12]
    outside.mkdir(parents=True, exist_ok=True)
    link.symlink_to(outside)
    return outside


def pg_run(
    run_as: str | None, args: list[str], **kwargs: Any
) -> subprocess.CompletedProcess[bytes]:
    command = ["runuser", "-u", run_as, "--", *args] if run_as else args
    return subprocess.run(command, **kwargs)


def pg_up() -> None:
    if port_open(PG_PORT):
        log(f"PostgreSQL already listening on 127.0.0.1:{PG_PORT}")
        pg_create_databases()
        return
    bindir = pg_install()
    run_as = "postgres" if os.geteuid() == 0 else None
    STATE.mkdir(parents=True, exist_ok=True)
    os.chmod(STATE, 0o755)
    data = pg_data_dir(run_as)
    data.mkdir(parents=True, exist_ok=True)
    if run_as:
        shutil.chown(data, run_as, run_as)
    if not (data / "PG_VERSION").exists():
        log("initialising a PostgreSQL cluster")
        pwfile = data.parent / f".pgpass-init-{os.getpid()}"
        pwfile.write_text(PG_PASSWORD)
        if run_as:
            shutil.chown(pwfile, run_as, run_as)
        try:
            pg_run(
                run_as,
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    PG_USER,
                    "--auth=scram-sha-256",
                    f"--pwfile={pwfile}",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                ],
                check=True,
                stdout=subprocess.DEVNULL,
            )
        finally:
            pwfile.unlink(missing_ok=True)
        with open(data / "postgresql.conf", "a") as conf:
            conf.write(
                "\n# arcadia: tuned for tests on a small machine\n"
                "listen_addresses = '127.0.0.1'\n"
                f"port = {PG_PORT}\n"
                "unix_socket_directories = ''\n"
                "max_connections = 300\n"
                "shared_buffers = 256MB\n"
                # Durable: the inbox's promise (effects once) needs every commit that a Kafka
                # offset was committed after to survive a crash. Services refuse anything less.
                "fsync = on\n"
                "synchronous_commit = on\n"
                "max_locks_per_transaction = 128\n"
            )
    log(f"starting PostgreSQL on 127.0.0.1:{PG_PORT}")
    pg_run(
        run_as,
        [
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(data / "server.log"),
            # Also for clusters initialised before durability was the default.
            "-o",
            "-c fsync=on -c synchronous_commit=on",
            "-w",
            "-t",
            "60",
            "start",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    wait_for(lambda: port_open(PG_PORT), "PostgreSQL")
    pg_create_databases()


def pg_create_databases() -> None:
    if os.environ.get("DATABASE_URL"):
        return
    psql = shutil.which("psql") or str(pg_bindir() / "psql")
    env = {**os.environ, "PGPASSWORD": PG_PASSWORD}
    base = [psql, "-h", "127.0.0.1", "-p", str(PG_PORT), "-U", PG_USER, "-d", "postgres", "-qtA"]
    existing = subprocess.run(
        [*base, "-c", "SELECT datname FROM pg_database"],
        check=True,
        env=env,
        capture_output=True,
        text=True,
    ).stdout.split()
    for name in SERVICE_DATABASES:
        if name not in existing:
            subprocess.run([*base, "-c", f"CREATE DATABASE {name}"], check=True, env=env)
            log(f"created database {name}")


def pg_down() -> None:
    data = STATE / "pg"
    if not (data / "postmaster.pid").exists():
        return
    run_as = "postgres" if os.geteuid() == 0 else None
    log("stopping PostgreSQL")
    pg_run(
        run_as,
        [str(pg_bindir() / "pg_ctl"), "-D", str(data.resolve()), "-m", "fast", "-w", "stop"],
        check=False,
        stdout=subprocess.DEVNULL,
    )


# --------------------------------------------------------------------------- commands


def env_lines() -> list[str]:
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", f"127.0.0.1:{KAFKA_PORT}")
    database = os.environ.get(
        "DATABASE_URL", f"postgresql://{PG_USER}:{PG_PASSWORD}@127.0.0.1:{PG_PORT}/postgres"
    )
    return [f"export KAFKA_BOOTSTRAP_SERVERS={bootstrap}", f"export DATABASE_URL={database}"]


def up() -> None:
    STATE.mkdir(parents=True, exist_ok=True)
    if os.environ.get("DATABASE_URL"):
        log("DATABASE_URL is set: using that PostgreSQL server")
    else:
        pg_up()
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        log("KAFKA_BOOTSTRAP_SERVERS is set: using that Kafka cluster")
    else:
        kafka_up()


def down() -> None:
    kafka_down()
    pg_down()


def status() -> None:
    print(f"kafka      127.0.0.1:{KAFKA_PORT}  {'up' if port_open(KAFKA_PORT) else 'down'}")
    print(f"postgresql 127.0.0.1:{PG_PORT} {'up' if port_open(PG_PORT) else 'down'}")


def print_env() -> None:
    print("\n".join(env_lines()))


def main(argv: list[str]) -> None:
    commands: dict[str, Callable[[], object]] = {
        "up": up,
        "down": down,
        "status": status,
        "kafka-jars": kafka_jars,
        "pg-install": pg_install,
        "env": print_env,
    }
    if len(argv) != 2 or argv[1] not in commands:
        raise SystemExit(f"usage: {argv[0]} {{{'|'.join(commands)}}}")
    commands[argv[1]]()


if __name__ == "__main__":
    main(sys.argv)
