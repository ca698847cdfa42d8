"""The part of the OpenAPI schema the web dashboard is typed against (``web/openapi.json``).

``python -m hubbub.api.openapi_web > web/openapi.json`` refreshes the snapshot, then
``npm run gen:api`` (in ``web/``) regenerates ``src/api/openapi.d.ts`` from it; a unit test
fails when the snapshot and the running API disagree.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from hubbub.api.app import create_app
from hubbub.store.duckdb import DuckDBStore

PREFIX = "/api/v1/"
_REF = re.compile(r'"#/components/schemas/([^"]+)"')


def dashboard_openapi() -> dict[str, Any]:
    """OpenAPI of the /api/v1 endpoints and the schemas they reference (transitively)."""
    spec = create_app(DuckDBStore(":memory:")).openapi()
    paths = {p: v for p, v in sorted(spec["paths"].items()) if p.startswith(PREFIX)}
    schemas = spec.get("components", {}).get("schemas", {})
    wanted: set[str] = set()
    todo = set(_REF.findall(json.dumps(paths)))
    while todo:
        name = todo.pop()
        if name not in wanted:
            wanted.add(name)
            todo |= set(_REF.findall(json.dumps(schemas[name])))
    return {
        "openapi": spec["openapi"],
        "info": {"title": spec["info"]["title"], "version": "dashboard"},
        "paths": paths,
        "components": {"schemas": {k: schemas[k] for k in sorted(wanted)}},
    }


def main() -> None:
    sys.stdout.write(json.dumps(dashboard_openapi(), indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
