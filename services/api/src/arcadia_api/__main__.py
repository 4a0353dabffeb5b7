"""Run the api service: `python -m arcadia_api`."""

from arcadia_api.app import create_app
from arcadia_api.config import ApiSettings
from arcadia_platform.http import run_service


def main() -> None:
    settings = ApiSettings()
    run_service("api", settings, lambda: create_app(settings))


if __name__ == "__main__":
    main()
