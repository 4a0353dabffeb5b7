"""Run the provisioner service: `python -m arcadia_provisioner`."""

from arcadia_platform.http import run_service
from arcadia_provisioner.app import create_app
from arcadia_provisioner.config import ProvisionerSettings


def main() -> None:
    settings = ProvisionerSettings()
    run_service("provisioner", settings, lambda: create_app(settings))


if __name__ == "__main__":
    main()
