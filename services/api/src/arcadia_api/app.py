"""The api service's composition root."""

from pathlib import Path

from litestar import Litestar

from arcadia_api.config import ApiSettings
from arcadia_platform.http import service_app
from arcadia_platform.runtime import ServiceRuntime

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: ApiSettings) -> Litestar:
    runtime = ServiceRuntime(settings, migrations=[("api", MIGRATIONS)])
    return service_app(runtime)
