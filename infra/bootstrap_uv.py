"""Install a pinned uv into a virtual environment of its own: `bootstrap_uv.py HOME VERSION`.

Standard library only, so it runs on a stock machine. It needs nothing on PATH and works where
`pip install --user` is refused (Debian's externally-managed Python, PEP 668) or where the
system Python has no pip at all: the virtual environment brings its own pip. When the venv
module cannot make one (Debian ships `ensurepip` separately), it installs `python3-venv` from the
OS packages, as infra/stack.py does for PostgreSQL.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path


def log(message: str) -> None:
    print(f"[bootstrap] {message}", flush=True)


def make_venv(home: Path) -> bool:
    result = subprocess.run(
        [sys.executable, "-m", "venv", "--clear", str(home)], capture_output=True, text=True
    )
    return result.returncode == 0 and (home / "bin" / "pip").exists()


def install_venv_package() -> None:
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise SystemExit(
            "[bootstrap] this Python cannot create virtual environments: install the OS package"
            " python3-venv (e.g. `sudo apt-get install python3-venv`) and run make again"
        )
    log("installing python3-venv from the OS packages")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", "python3-venv"],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )


def main(home: Path, version: str) -> None:
    log(f"installing uv {version} into {home}")
    if not make_venv(home):
        install_venv_package()
        if not make_venv(home):
            raise SystemExit(f"[bootstrap] could not create a virtual environment in {home}")
    subprocess.run(
        [str(home / "bin" / "python"), "-m", "pip", "install", "--quiet", f"uv=={version}"],
        check=True,
    )
    subprocess.run([str(home / "bin" / "uv"), "--version"], check=True)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(f"usage: {sys.argv[0]} HOME VERSION")
    main(Path(sys.argv[1]), sys.argv[2])
