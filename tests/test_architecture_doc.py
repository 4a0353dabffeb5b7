"""docs/architecture.md names real files: every path it cites exists, so the map cannot rot."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final

ROOT: Final = Path(__file__).resolve().parents[1]
CITED_PATH: Final = re.compile(r"`((?:services|libs|tools)/[\w./-]+\.py)`")


def test_every_path_the_architecture_page_cites_exists() -> None:
    page = (ROOT / "docs" / "architecture.md").read_text()
    cited = set(CITED_PATH.findall(page))
    assert len(cited) >= 10, "the saga table cites the files of every step"
    missing = sorted(path for path in cited if not (ROOT / path).is_file())
    assert not missing, f"docs/architecture.md cites files that do not exist: {missing}"
