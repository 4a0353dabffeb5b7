"""The CLI's stack tests start a whole control plane with the repository's cross-service helpers
(`tests/stack.py`): make that package importable when only these tests are run."""

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[3])
if ROOT not in sys.path:
    sys.path.append(ROOT)
