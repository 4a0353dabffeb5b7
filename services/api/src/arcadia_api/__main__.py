"""Run the api service: `python -m arcadia_api`."""

from arcadia_api.app import create_app
from arcadia_api.config import ApiSettings
from arcadia_platform.http import serve


def main() -> None:
    settings = ApiSettings()
    serve(create_app(settings), settings.http_host, settings.http_port)


if __name__ == "__main__":
    main()
