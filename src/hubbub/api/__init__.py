"""The HTTP API: dashboard queries, users lookup, health and metrics (``create_app``)."""
