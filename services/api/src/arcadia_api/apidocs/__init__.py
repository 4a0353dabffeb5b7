"""The gateway's documentation pages: the OpenAPI UI at /schema, the AsyncAPI document and page."""
