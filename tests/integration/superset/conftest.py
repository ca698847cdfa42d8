"""Superset tests. ``superset``-marked ones boot a real Superset (slow: `make test-all`)."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "superset: boots a real Superset from .venv-superset (run by `make test-all`)"
    )
