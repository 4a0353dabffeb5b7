"""Local infrastructure without Docker: Apache Kafka (KRaft) from Maven Central, PostgreSQL from the OS.

Standard library only, so it runs before the Python environment exists.

    python3 infra/stack.py up        # idempotent: reuses a running broker/server
    python3 infra/stack.py down      # stops what `up` started
    python3 infra/stack.py clean     # down, then deletes .local/ and the data kept outside it
    python3 infra/stack.py status
    python3 infra/stack.py env       # prints the connection settings as shell exports
    python3 infra/stack.py chromium-install  # Debian's Chromium for the browser tests

State (jars, data, logs, pids) lives in `.local/` at the repository root. `KAFKA_BOOTSTRAP_SERVERS`
and `DATABASE_URL`, when set, name servers that are used as they are and never started here.

A second, private instance (for fault tests that kill or freeze it) lives in a state directory of
its own, with its own ports; it shares only the Kafka jars in `.local/kafka/libs`:

    python3 infra/stack.py --state-dir /tmp/x --kafka-port 19092 --controller-port 19093 \
        --pg-port 15432 up|down|clean|status|env|kafka-up|kafka-down|pg-up|pg-down

For such an instance `KAFKA_BOOTSTRAP_SERVERS` and `DATABASE_URL` are ignored: it always starts
its own servers.
"""

from __future__ import annotations

import base64
import contextlib
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
from dataclasses import dataclass
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
KAFKA_HEAP = os.environ.get("ARCADIA_KAFKA_HEAP", "-Xms256m -Xmx1g")
KAFKA_LIBS = KAFKA_HOME / "libs"


@dataclass(frozen=True)
class Instance:
    """Where one broker + server pair keeps its state and which ports it listens on."""

    state: Path
    kafka_port: int
    controller_port: int
    pg_port: int
    # The default instance defers to KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL; a private one never.
    private: bool = False

    @property
    def kafka_home(self) -> Path:
        return self.state / "kafka"

    def external(self, variable: str) -> str | None:
        return None if self.private else os.environ.get(variable)


DEFAULT = Instance(STATE, KAFKA_PORT, CONTROLLER_PORT, PG_PORT)


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
    libs = KAFKA_LIBS
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


def kafka_java(
    main: str, *args: str, heap: str = "-Xmx256m", inst: Instance = DEFAULT
) -> list[str]:
    java = shutil.which("java")
    if java is None:
        raise SystemExit("[stack] Java 17+ is needed to run Apache Kafka")
    return [
        java,
        *heap.split(),
        "-XX:+UseG1GC",
        "-Djava.awt.headless=true",
        f"-Dlog4j2.configurationFile={ROOT / 'infra' / 'kafka' / 'log4j2.properties'}",
        f"-Dkafka.logs.dir={inst.kafka_home / 'logs'}",
        "-cp",
        str(KAFKA_LIBS / "*"),
        main,
        *args,
    ]


def kafka_up(inst: Instance = DEFAULT) -> None:
    home = inst.kafka_home
    pid_file = home / "kafka.pid"
    if port_open(inst.kafka_port):
        log(f"Kafka already listening on 127.0.0.1:{inst.kafka_port}")
        return
    kafka_jars()
    data = home / "data"
    config = home / "server.properties"
    template = (ROOT / "infra" / "kafka" / "server.properties.in").read_text()
    (home / "logs").mkdir(parents=True, exist_ok=True)
    config.write_text(
        template.replace("@KAFKA_PORT@", str(inst.kafka_port))
        .replace("@CONTROLLER_PORT@", str(inst.controller_port))
        .replace("@DATA_DIR@", str(data))
    )
    if not (data / "meta.properties").exists():
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        log("formatting Kafka storage")
        subprocess.run(
            # `--cluster-id=ID` in one word: a random id may start with "-", which argparse would
            # take for an option as a separate argument.
            kafka_java(
                "kafka.tools.StorageTool",
                "format",
                f"--cluster-id={cluster_id}",
                "-c",
                str(config),
                inst=inst,
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
    log(f"starting Kafka on 127.0.0.1:{inst.kafka_port}")
    server_out = home / "logs" / "server.out"
    if server_out.exists():  # one start's output per file, the previous one kept: it never grows
        server_out.replace(server_out.with_suffix(".out.previous"))
    out = open(server_out, "ab")  # noqa: SIM115 - handed to the child
    proc = subprocess.Popen(
        kafka_java("kafka.Kafka", str(config), heap=KAFKA_HEAP, inst=inst),
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    pid_file.write_text(str(proc.pid))

    def ready() -> bool:
        if proc.poll() is not None:
            raise SystemExit(f"[stack] Kafka exited; see {home / 'logs' / 'server.out'}")
        return port_open(inst.kafka_port)

    wait_for(ready, "Kafka")


def kafka_down(inst: Instance = DEFAULT) -> None:
    stop_pid(inst.kafka_home / "kafka.pid", "Kafka")


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


def apt_install(package: str, missing: str) -> None:
    """Install one OS package with apt-get (as root); else stop, saying what to do."""
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise SystemExit(f"[stack] {missing}")
    log(f"installing {package} from the OS packages")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", package],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )


def pg_install() -> Path:
    bindir = pg_bindir()
    if (bindir / "initdb").exists():
        return bindir
    apt_install("postgresql", "PostgreSQL is missing: install it, or set DATABASE_URL")
    return pg_bindir()


# The browser of the UI tests (Playwright drives it; its own browser download is not used).
CHROMIUM = Path("/usr/bin/chromium")


def chromium_install() -> Path:
    """Debian's Chromium, installed when missing: the headless browser of the docs page tests."""
    if not CHROMIUM.exists():
        apt_install("chromium", f"{CHROMIUM} is missing: install Debian's chromium package")
    print(CHROMIUM)
    return CHROMIUM


PG_OUTSIDE = Path("/var/tmp/arcadia")


def pg_outside_dir(inst: Instance = DEFAULT) -> Path:
    """Where the data directory lives when the postgres user cannot reach the state directory."""
    # Keyed on the state directory: the default instance's key is unchanged (the repo root),
    # and every private instance gets a directory of its own.
    key = str(ROOT) if inst.state == STATE else str(inst.state.resolve())
    return PG_OUTSIDE / hashlib.sha256(key.encode()).hexdigest()[:12]


def pg_data_dir(run_as: str | None, inst: Instance = DEFAULT) -> Path:
    """<state>/pg, or (as root, when the postgres user cannot reach the state directory) a
    linked directory under /var/tmp/arcadia, one per state directory."""
    state = inst.state
    link = state / "pg"
    if run_as is None or link.is_symlink() or link.exists():
        return link.resolve() if link.is_symlink() else link
    reachable = (
        subprocess.run(
            ["runuser", "-u", run_as, "--", "test", "-x", str(state)], check=False
        ).returncode
        == 0
    )
    if reachable:
        return link
    outside = pg_outside_dir(inst)
    outside.mkdir(parents=True, exist_ok=True)
    link.symlink_to(outside)
    return outside


def pg_run(
    run_as: str | None, args: list[str], **kwargs: Any
) -> subprocess.CompletedProcess[bytes]:
    command = ["runuser", "-u", run_as, "--", *args] if run_as else args
    return subprocess.run(command, **kwargs)


def pg_up(inst: Instance = DEFAULT) -> None:
    if port_open(inst.pg_port):
        log(f"PostgreSQL already listening on 127.0.0.1:{inst.pg_port}")
        pg_create_databases(inst)
        return
    bindir = pg_install()
    run_as = "postgres" if os.geteuid() == 0 else None
    inst.state.mkdir(parents=True, exist_ok=True)
    os.chmod(inst.state, 0o755)
    data = pg_data_dir(run_as, inst)
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
                f"port = {inst.pg_port}\n"
                "unix_socket_directories = ''\n"
                "max_connections = 300\n"
                "shared_buffers = 256MB\n"
                # Durable: the inbox's promise (effects once) needs every commit that a Kafka
                # offset was committed after to survive a crash. Services refuse anything less.
                "fsync = on\n"
                "synchronous_commit = on\n"
                "max_locks_per_transaction = 128\n"
            )
    log(f"starting PostgreSQL on 127.0.0.1:{inst.pg_port}")
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
    wait_for(lambda: port_open(inst.pg_port), "PostgreSQL")
    pg_create_databases(inst)


def pg_create_databases(inst: Instance = DEFAULT) -> None:
    if inst.external("DATABASE_URL"):
        return
    psql = shutil.which("psql") or str(pg_bindir() / "psql")
    env = {**os.environ, "PGPASSWORD": PG_PASSWORD}
    base = [psql, "-h", "127.0.0.1", "-p", str(inst.pg_port), "-U", PG_USER, "-d", "postgres"]
    base.append("-qtA")
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


def pg_down(inst: Instance = DEFAULT) -> None:
    data = inst.state / "pg"
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


def env_lines(inst: Instance = DEFAULT) -> list[str]:
    bootstrap = inst.external("KAFKA_BOOTSTRAP_SERVERS") or f"127.0.0.1:{inst.kafka_port}"
    database = (
        inst.external("DATABASE_URL")
        or f"postgresql://{PG_USER}:{PG_PASSWORD}@127.0.0.1:{inst.pg_port}/postgres"
    )
    return [f"export KAFKA_BOOTSTRAP_SERVERS={bootstrap}", f"export DATABASE_URL={database}"]


def up(inst: Instance = DEFAULT) -> None:
    inst.state.mkdir(parents=True, exist_ok=True)
    if inst.external("DATABASE_URL"):
        log("DATABASE_URL is set: using that PostgreSQL server")
    else:
        pg_up(inst)
    if inst.external("KAFKA_BOOTSTRAP_SERVERS"):
        log("KAFKA_BOOTSTRAP_SERVERS is set: using that Kafka cluster")
    else:
        kafka_up(inst)


def down(inst: Instance = DEFAULT) -> None:
    kafka_down(inst)
    pg_down(inst)


def clean(inst: Instance = DEFAULT) -> None:
    """Stop, then delete what `up` made: the state directory and, as root, the data directory
    kept outside it (else the next `up` would link the old cluster again)."""
    down(inst)
    outside = pg_outside_dir(inst)
    if outside.exists():
        log(f"deleting {outside}")
        shutil.rmtree(outside)
    with contextlib.suppress(OSError):
        PG_OUTSIDE.rmdir()  # only when no other checkout keeps a cluster there
    shutil.rmtree(inst.state, ignore_errors=True)


def status(inst: Instance = DEFAULT) -> None:
    kafka, pg = inst.kafka_port, inst.pg_port
    print(f"kafka      127.0.0.1:{kafka}  {'up' if port_open(kafka) else 'down'}")
    print(f"postgresql 127.0.0.1:{pg} {'up' if port_open(pg) else 'down'}")


def print_env(inst: Instance = DEFAULT) -> None:
    print("\n".join(env_lines(inst)))


def parse_instance(argv: list[str]) -> tuple[Instance, list[str]]:
    """Leading `--state-dir D --kafka-port N --controller-port N --pg-port N` name a private
    instance (all four are needed); without them it is the default one."""
    options: dict[str, str] = {}
    rest = list(argv)
    while len(rest) >= 2 and rest[0].startswith("--"):
        options[rest[0][2:]] = rest[1]
        rest = rest[2:]
    if not options:
        return DEFAULT, rest
    names = {"state-dir", "kafka-port", "controller-port", "pg-port"}
    if set(options) != names:
        raise SystemExit(f"[stack] a private instance needs exactly {sorted(names)}")
    try:
        inst = Instance(
            state=Path(options["state-dir"]).resolve(),
            kafka_port=int(options["kafka-port"]),
            controller_port=int(options["controller-port"]),
            pg_port=int(options["pg-port"]),
            private=True,
        )
    except ValueError as error:
        raise SystemExit(f"[stack] bad port: {error}") from error
    return inst, rest


def main(argv: list[str]) -> None:
    inst, rest = parse_instance(argv[1:])
    commands: dict[str, Callable[[], object]] = {
        "up": lambda: up(inst),
        "down": lambda: down(inst),
        "clean": lambda: clean(inst),
        "status": lambda: status(inst),
        "kafka-jars": kafka_jars,
        "pg-install": pg_install,
        "chromium-install": chromium_install,
        "env": lambda: print_env(inst),
        "kafka-up": lambda: kafka_up(inst),
        "kafka-down": lambda: kafka_down(inst),
        "pg-up": lambda: pg_up(inst),
        "pg-down": lambda: pg_down(inst),
    }
    if len(rest) != 1 or rest[0] not in commands:
        options = "[--state-dir D --kafka-port N --controller-port N --pg-port N]"
        raise SystemExit(f"usage: {argv[0]} {options} {{{'|'.join(commands)}}}")
    commands[rest[0]]()


if __name__ == "__main__":
    main(sys.argv)
