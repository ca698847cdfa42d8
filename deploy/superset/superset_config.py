"""Superset configuration for hubbub (point SUPERSET_CONFIG_PATH at this file).

Superset runs in its own virtualenv (``make superset`` → ``.venv-superset``) and reads hubbub's
BI snapshot (``data/bi/hubbub_bi.duckdb``, a read-only copy the stack refreshes), never the live
store: DuckDB lets one process open a file, and that process is ``hubbub up``.

Everything deployment-specific comes from the environment:

- ``SUPERSET_SECRET_KEY``: required outside local use (Superset refuses its placeholder key).
- ``SUPERSET_METADATA_URI``: Superset's own metadata database (default: SQLite under
  ``SUPERSET_HOME`` or ``~/.superset``); use PostgreSQL in production.
- ``SUPERSET_GUEST_TOKEN_SECRET``: signs embedded-dashboard guest tokens.
- ``SUPERSET_GUEST_TOKEN_TTL_S``: guest token lifetime in seconds (default 300); hubbub's API
  refreshes tokens before they expire (``HUBBUB_SUPERSET_GUEST_REFRESH_MARGIN_S``).
- ``SUPERSET_EMBED_ORIGINS``: comma-separated origins allowed to frame dashboards
  (default: hubbub's own, http://127.0.0.1:8000 and http://localhost:8000).
"""

from __future__ import annotations

import os
from pathlib import Path

_home = Path(os.environ.get("SUPERSET_HOME", Path.home() / ".superset"))

SECRET_KEY = os.environ.get("SUPERSET_SECRET_KEY", "hubbub-local-only-change-me")
SQLALCHEMY_DATABASE_URI = os.environ.get(
    "SUPERSET_METADATA_URI", f"sqlite:///{_home / 'superset.db'}?check_same_thread=false"
)

# Caches: in-process for a single-node install (use Redis when running several workers).
CACHE_CONFIG = {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 300}
DATA_CACHE_CONFIG = {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 60}
FILTER_STATE_CACHE_CONFIG = {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 86400}
EXPLORE_FORM_DATA_CACHE_CONFIG = {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 86400}

# Embedding: hubbub's API hands the browser short-lived guest tokens for the dashboard.
FEATURE_FLAGS = {"EMBEDDED_SUPERSET": True, "DASHBOARD_RBAC": True}
GUEST_ROLE_NAME = "Gamma"
GUEST_TOKEN_JWT_SECRET = os.environ.get("SUPERSET_GUEST_TOKEN_SECRET", SECRET_KEY)
GUEST_TOKEN_JWT_EXP_SECONDS = int(os.environ.get("SUPERSET_GUEST_TOKEN_TTL_S", "300"))

_origins = os.environ.get(
    "SUPERSET_EMBED_ORIGINS", "http://127.0.0.1:8000,http://localhost:8000"
).split(",")
# Talisman's defaults forbid framing; allow hubbub's origins to embed dashboards.
TALISMAN_ENABLED = True
TALISMAN_CONFIG = {
    "content_security_policy": {
        "base-uri": ["'self'"],
        "default-src": ["'self'"],
        "img-src": ["'self'", "blob:", "data:"],
        "worker-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "object-src": "'none'",
        "style-src": ["'self'", "'unsafe-inline'"],
        "script-src": ["'self'", "'strict-dynamic'"],
        "frame-ancestors": ["'self'", *[o.strip() for o in _origins if o.strip()]],
    },
    "content_security_policy_nonce_in": ["script-src"],
    "force_https": False,
    "session_cookie_secure": False,
    "frame_options": None,
}
ENABLE_CORS = False  # the browser talks to Superset only inside the embedded iframe

# Superset's sample data and telemetry stay off: this install only serves hubbub.
SUPERSET_WEBSERVER_TIMEOUT = 60
ROW_LIMIT = 50_000
