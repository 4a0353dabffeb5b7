"""The one DigitalOcean API v2 client (rate limit, retries), its settings, results and errors."""

from arcadia_platform.digitalocean.client import DigitalOceanClient
from arcadia_platform.digitalocean.config import REAL_API, DigitalOceanConfig
from arcadia_platform.digitalocean.errors import (
    DropletFailedError,
    DropletNotActiveError,
    ProviderError,
    ProviderRejectedError,
    ProviderUnavailableError,
)
from arcadia_platform.digitalocean.models import DomainRecord, Droplet
from arcadia_platform.digitalocean.ratelimit import TokenBucket

__all__ = [
    "REAL_API",
    "DigitalOceanClient",
    "DigitalOceanConfig",
    "DomainRecord",
    "Droplet",
    "DropletFailedError",
    "DropletNotActiveError",
    "ProviderError",
    "ProviderRejectedError",
    "ProviderUnavailableError",
    "TokenBucket",
]
