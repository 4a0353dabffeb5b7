"""The provisioner service's composition root."""

from pathlib import Path

from litestar import Litestar

from arcadia_platform.http import service_app
from arcadia_platform.runtime import ServiceRuntime
from arcadia_provisioner.config import ProvisionerSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: ProvisionerSettings) -> Litestar:
    runtime = ServiceRuntime(settings, migrations=[("provisioner", MIGRATIONS)])
    return service_app(runtime)
