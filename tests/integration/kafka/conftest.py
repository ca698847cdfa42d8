"""One Tansu broker for the whole session; each test uses its own topics and groups."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.kafka_support import TansuBroker


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``host:port`` of a real Kafka-protocol broker (Tansu, memory storage)."""
    log = tmp_path_factory.mktemp("tansu") / "tansu.log"
    with TansuBroker(log_path=log) as bootstrap:
        yield bootstrap
