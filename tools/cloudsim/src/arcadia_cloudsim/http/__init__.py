"""cloudsim's HTTP side: the /v2 controllers (DigitalOcean's paths), /_sim, auth and fault effects."""
