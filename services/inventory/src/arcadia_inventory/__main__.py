"""Run the inventory service: `python -m arcadia_inventory`."""

from arcadia_inventory.app import create_app
from arcadia_inventory.config import InventorySettings
from arcadia_platform.http import serve


def main() -> None:
    settings = InventorySettings()
    serve(create_app(settings), settings.http_host, settings.http_port)


if __name__ == "__main__":
    main()
