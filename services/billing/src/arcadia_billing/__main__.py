"""Run the billing service: `python -m arcadia_billing`."""

from arcadia_billing.app import create_app
from arcadia_billing.config import BillingSettings
from arcadia_platform.http import run_service


def main() -> None:
    settings = BillingSettings()
    run_service("billing", settings, lambda: create_app(settings))


if __name__ == "__main__":
    main()
