"""Run the provisioner service: `python -m arcadia_provisioner`."""

from arcadia_platform.http import serve
from arcadia_provisioner.app import create_app
from arcadia_provisioner.config import ProvisionerSettings


def main() -> None:
    settings = ProvisionerSettings()
    serve(create_app(settings), settings.http_host, settings.http_port)


if __name__ == "__main__":
    main()
