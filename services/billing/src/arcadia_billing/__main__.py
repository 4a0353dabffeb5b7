"""Run the billing service: `python -m arcadia_billing`."""

from arcadia_billing.app import create_app
from arcadia_billing.config import BillingSettings
from arcadia_platform.http import serve


def main() -> None:
    settings = BillingSettings()
    serve(create_app(settings), settings.http_host, settings.http_port)


if __name__ == "__main__":
    main()
