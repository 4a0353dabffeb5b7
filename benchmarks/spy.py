"""py-spy (from PyPI, `uv pip install py-spy`; optional) around one wrk run: where a process's
time goes, as a few lines of text. Used by `benchmarks.api --profile`."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

from arcadia_testing.plugin import ROOT

OURS = re.compile(r"\((?:.*/)?(arcadia_\w+|asyncpg|litestar|uvicorn|msgspec|jwt)[/.]")


def start(pid: int, seconds: int, out: Path) -> subprocess.Popen[bytes] | None:
    """Sample `pid` for `seconds` (raw collapsed stacks to `out`); None without py-spy."""
    tool = shutil.which("py-spy") or str(ROOT / ".venv" / "bin" / "py-spy")
    if not Path(tool).exists():
        print("[bench] py-spy not installed: no profile", flush=True)
        return None
    args = [tool, "record", "-p", str(pid), "-d", str(seconds), "-r", "100", "-f", "raw"]
    return subprocess.Popen([*args, "-o", str(out)], stdout=subprocess.DEVNULL)


def summary(raw: Path, top: int = 12) -> list[str]:
    """The frames with the most samples: by where they ran (self), and by package (inclusive)."""
    leaves: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        leaves[frames[-1]] += n
        for package in {m.group(1) for f in frames if (m := OURS.search(f))}:
            packages[package] += n
    if not total:
        return ["no samples"]
    lines = [f"{total} samples; inclusive by package:"]
    lines += [f"  {n / total:6.1%}  {p}" for p, n in packages.most_common()]
    lines.append("self time, top frames:")
    lines += [f"  {n / total:6.1%}  {f}" for f, n in leaves.most_common(top)]
    return lines
