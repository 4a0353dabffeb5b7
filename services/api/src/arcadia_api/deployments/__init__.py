"""Deployments: the lifecycle rules, the commands that change them, their SQL and routes."""
