"""cloudsim: an in-memory DigitalOcean API v2 simulator with fault injection, for dev and tests."""

from arcadia_cloudsim.app import create_app
from arcadia_cloudsim.config import SimConfig

__all__ = ["SimConfig", "create_app"]
