"""The built web dashboard (``web/dist``) served at ``/`` with sensible cache headers.

Vite names what it builds under ``assets/`` by content hash, so those files never change and
may be cached for a year; ``index.html`` (which names them) is revalidated on every load.
"""

from __future__ import annotations

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


class DashboardFiles(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code in (200, 304):
            hashed = path.startswith("assets/")
            response.headers["Cache-Control"] = IMMUTABLE if hashed else REVALIDATE
        return response
