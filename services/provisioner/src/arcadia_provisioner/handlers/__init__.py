"""The provisioner's event reactions; routes.py says which one handles what."""
