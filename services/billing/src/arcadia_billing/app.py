"""The billing service's composition root."""

from pathlib import Path

from litestar import Litestar

from arcadia_billing.config import BillingSettings
from arcadia_platform.http import service_app
from arcadia_platform.runtime import ServiceRuntime

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: BillingSettings) -> Litestar:
    runtime = ServiceRuntime(settings, migrations=[("billing", MIGRATIONS)])
    return service_app(runtime)
