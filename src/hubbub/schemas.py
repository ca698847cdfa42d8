"""The topics' JSON Schema files, generated from the pydantic models (``hubbub schema``)."""

from __future__ import annotations

import json
from pathlib import Path

from hubbub.models import enriched_post_json_schema, post_json_schema

SCHEMA_FILES = {
    "tweets.schema.json": post_json_schema,
    "tweets.enriched.schema.json": enriched_post_json_schema,
}


def render(name: str) -> str:
    return json.dumps(SCHEMA_FILES[name](), indent=2, ensure_ascii=False) + "\n"


def write_schemas(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in SCHEMA_FILES:
        path = folder / name
        path.write_text(render(name), encoding="utf-8")
        paths.append(path)
    return paths
