"""Operations endpoints: liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime

from fastapi import APIRouter, Request
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.responses import Response

from hubbub.api.responses import OrjsonResponse
from hubbub.api.schemas import Health
from hubbub.store.base import Store

router = APIRouter(tags=["operations"])


class StoreCollector(Collector):
    """Store gauges computed at scrape time from ``store.stats()``."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("hubbub_store_up", "1 if the store answered the scrape")
        try:
            stats = self.store.stats()
        except Exception:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        for key, help_text in (
            ("posts", "Posts stored"),
            ("posts_unknown_country", "Posts stored without a known country"),
            ("dead_letters", "Dead letters stored"),
            ("user_lookup_failed", "Posts stored whose user lookup failed"),
        ):
            yield GaugeMetricFamily(f"hubbub_store_{key}", help_text, value=stats[key])
        last = stats.get("last_ingested_at")
        if last:
            ts = datetime.fromisoformat(last).timestamp()
            yield GaugeMetricFamily(
                "hubbub_store_last_ingested_timestamp_seconds",
                "Unix time of the newest stored post's ingestion",
                value=ts,
            )
            yield GaugeMetricFamily(
                "hubbub_store_freshness_seconds",
                "Seconds since the newest post was stored (now - last_ingested_at)",
                value=max(0.0, time.time() - ts),
            )


@router.get("/healthz", response_model=Health, summary="Liveness: the process answers")
def healthz() -> dict:
    return {"status": "ok"}


@router.get(
    "/readyz",
    response_model=Health,
    summary="Readiness: store set up and pipeline running",
    responses={503: {"model": Health, "description": "Not ready yet"}},
)
def readyz(request: Request) -> Response | dict:
    ready = request.app.state.ready
    try:
        ok = bool(ready())
    except Exception:
        ok = False
    if not ok:
        return OrjsonResponse({"status": "not ready"}, status_code=503)
    return {"status": "ready"}


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
def metrics(request: Request) -> Response:
    """The process registry (stage counters, freshness histogram…) plus store gauges."""
    own: CollectorRegistry = request.app.state.metrics_registry
    body = generate_latest(REGISTRY) + generate_latest(own)
    return Response(body, media_type="text/plain; version=0.0.4; charset=utf-8")
