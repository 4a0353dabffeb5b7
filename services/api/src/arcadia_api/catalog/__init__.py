"""The plan and add-on catalog, served from billing."""
