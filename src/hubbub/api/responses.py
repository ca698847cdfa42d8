"""A JSON response rendered by orjson (FastAPI's own ``ORJSONResponse`` is deprecated).

Endpoints with a response model are serialised by Pydantic straight to bytes; this class is
for the bodies built by hand (the users lookup, error bodies).
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response


class OrjsonResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)
