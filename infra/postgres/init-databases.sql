-- docker-compose: one database per service (the same names infra/stack.py creates locally).
CREATE DATABASE arcadia_api;
CREATE DATABASE arcadia_billing;
CREATE DATABASE arcadia_provisioner;
CREATE DATABASE arcadia_inventory;
