"""The provisioner's saga steps, one module each; runner.py runs one attempt at a job."""
