"""Run the inventory service: `python -m arcadia_inventory`."""

from arcadia_inventory.app import create_app
from arcadia_inventory.config import InventorySettings
from arcadia_platform.http import run_service


def main() -> None:
    settings = InventorySettings()
    run_service("inventory", settings, lambda: create_app(settings))


if __name__ == "__main__":
    main()
