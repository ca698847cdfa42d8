"""SQL text shipped in ``store/sql/*.sql``, loaded with importlib.resources.

A file is either run whole (DDL) or split into named statements: each starts at a
``-- name: <name>`` line and runs to the next one.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files

_NAME = re.compile(r"^--\s*name:\s*(\w+)\s*$", re.MULTILINE)


@cache
def sql_text(filename: str) -> str:
    return files("hubbub.store").joinpath("sql", filename).read_text(encoding="utf-8")


@cache
def named_statements(filename: str) -> dict[str, str]:
    """The ``-- name:`` sections of ``filename``, in file order."""
    text = sql_text(filename)
    marks = list(_NAME.finditer(text))
    out: dict[str, str] = {}
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        out[m.group(1)] = text[m.end() : end].strip().rstrip(";")
    return out
