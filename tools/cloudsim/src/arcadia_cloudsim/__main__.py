"""Run cloudsim: `python -m arcadia_cloudsim` (ARCADIA_CLOUDSIM_HOST/PORT/... to configure)."""

import sys

import uvicorn

from arcadia_cloudsim.app import create_app
from arcadia_cloudsim.config import SimConfig
from arcadia_cloudsim.persistence import StateFileError


def main() -> None:
    config = SimConfig.from_env()
    try:
        app = create_app(config)
    except StateFileError as exc:
        # A file we cannot read is kept as it is for a human to look at, never overwritten.
        sys.exit(f"cloudsim: {exc}")
    uvicorn.run(
        app,
        host=config.host,
        port=config.port,
        log_level="warning",
        access_log=False,
        lifespan="on",
        loop="uvloop",
        http="httptools",
        # A request hanging on a `timeout` fault must not hold up a stop for 30 s.
        timeout_graceful_shutdown=1,
    )


if __name__ == "__main__":
    main()
