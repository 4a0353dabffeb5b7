"""The saga records the api owns: the provisioning saga and the teardown saga."""
