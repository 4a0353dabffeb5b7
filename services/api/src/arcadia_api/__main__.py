"""Run the api service: `python -m arcadia_api`."""

from arcadia_api.app import create_app
from arcadia_api.config import ApiSettings
from arcadia_api.http.tokens import InsecureSettingsError
from arcadia_platform.http import serve


def main() -> None:
    settings = ApiSettings()
    try:
        app = create_app(settings)
    except InsecureSettingsError as exc:
        raise SystemExit(f"arcadia-api: refusing to start: {exc}") from None
    serve(app, settings.http_host, settings.http_port)


if __name__ == "__main__":
    main()
