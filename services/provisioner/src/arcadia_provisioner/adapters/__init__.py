"""Adapters from the provisioner to the outside world: the cloud provider, the database."""
