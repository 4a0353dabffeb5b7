"""The DigitalOcean API v2 adapter: client, settings, results and the errors it raises."""

from arcadia_provisioner.adapters.digitalocean.client import DigitalOceanClient
from arcadia_provisioner.adapters.digitalocean.config import REAL_API, DigitalOceanConfig
from arcadia_provisioner.adapters.digitalocean.errors import (
    DropletFailedError,
    DropletNotActiveError,
    ProviderError,
    ProviderRejectedError,
    ProviderUnavailableError,
)
from arcadia_provisioner.adapters.digitalocean.models import DomainRecord, Droplet
from arcadia_provisioner.adapters.digitalocean.ratelimit import TokenBucket

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
