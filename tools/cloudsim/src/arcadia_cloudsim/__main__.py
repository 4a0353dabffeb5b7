"""Run cloudsim: `python -m arcadia_cloudsim` (ARCADIA_CLOUDSIM_HOST/PORT/... to configure)."""

import uvicorn

from arcadia_cloudsim.app import create_app
from arcadia_cloudsim.config import SimConfig


def main() -> None:
    config = SimConfig.from_env()
    uvicorn.run(
        create_app(config),
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
