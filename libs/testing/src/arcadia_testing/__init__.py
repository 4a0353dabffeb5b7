"""Test support for every Arcadia suite: the pytest plugin, service processes, ports and stacks."""
