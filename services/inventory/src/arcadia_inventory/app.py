"""The inventory service's composition root."""

from pathlib import Path

from litestar import Litestar

from arcadia_inventory.config import InventorySettings
from arcadia_platform.http import service_app
from arcadia_platform.runtime import ServiceRuntime

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: InventorySettings) -> Litestar:
    runtime = ServiceRuntime(settings, migrations=[("inventory", MIGRATIONS)])
    return service_app(runtime)
