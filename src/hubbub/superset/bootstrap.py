"""Make Superset hold hubbub's database, datasets, charts and dashboard — idempotently.

Each object is looked up by its name (the database by ``database_name``, datasets by table name
within the database, charts by ``slice_name``, the dashboard by slug), created when missing,
updated when it differs from ``assets``, and left alone when it matches: a second run changes
nothing and reports every object ``unchanged``.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from hubbub.superset import assets
from hubbub.superset.assets import ChartSpec, DashboardSpec, DatasetSpec
from hubbub.superset.client import SupersetClient

log = logging.getLogger(__name__)
Action = Literal["created", "updated", "unchanged"]

# Superset opens the snapshot read-only: it never takes the file's write lock.
DATABASE_EXTRA = {"engine_params": {"connect_args": {"read_only": True}}}


@dataclass(frozen=True, slots=True)
class Outcome:
    kind: str
    name: str
    id: int | str
    action: Action


@dataclass
class BootstrapResult:
    outcomes: list[Outcome]
    database_id: int
    dataset_ids: dict[str, int]
    chart_ids: dict[str, int]
    dashboard_id: int
    embedded_uuid: str | None

    @property
    def changed(self) -> bool:
        return any(o.action != "unchanged" for o in self.outcomes)


def snapshot_uri(path: str | Path) -> str:
    """duckdb-engine's URL of the snapshot file (absolute: Superset's working dir differs)."""
    return f"duckdb:///{Path(path).resolve()}"


def bootstrap(
    client: SupersetClient,
    snapshot_path: str | Path,
    *,
    database_name: str = assets.DATABASE_NAME,
    dashboard: DashboardSpec = assets.DASHBOARD,
    datasets: tuple[DatasetSpec, ...] = assets.DATASETS,
    embed_domains: list[str] | None = None,
) -> BootstrapResult:
    """Create or update everything; ``embed_domains`` (None = no embedding) are the origins
    allowed to embed the dashboard ([] allows any)."""
    out: list[Outcome] = []
    db_id = _ensure_database(client, database_name, snapshot_uri(snapshot_path), out)
    ds_ids = {spec.name: _ensure_dataset(client, db_id, spec, out) for spec in datasets}
    dash_id = _ensure_dashboard(client, dashboard, out)
    charts: list[tuple[ChartSpec, int, str]] = []
    for spec in dashboard.charts:
        chart_id, uuid = _ensure_chart(client, spec, ds_ids[spec.dataset], dash_id, out)
        charts.append((spec, chart_id, uuid))
    _ensure_layout(client, dash_id, dashboard, charts, out)
    embedded = None
    if embed_domains is not None:
        embedded = _ensure_embedded(client, dash_id, embed_domains, out)
    for o in out:
        log.info("%-9s %-10s %s (id %s)", o.action, o.kind, o.name, o.id)
    return BootstrapResult(
        outcomes=out,
        database_id=db_id,
        dataset_ids=ds_ids,
        chart_ids={spec.name: cid for spec, cid, _ in charts},
        dashboard_id=dash_id,
        embedded_uuid=embedded,
    )


def _ensure_database(c: SupersetClient, name: str, uri: str, out: list[Outcome]) -> int:
    body = {
        "database_name": name,
        "sqlalchemy_uri": uri,
        "expose_in_sqllab": True,
        "extra": json.dumps(DATABASE_EXTRA),
    }
    rows = c.find("database", database_name=name)
    if not rows:
        db_id = int(c.post("/api/v1/database/", body)["id"])
        out.append(Outcome("database", name, db_id, "created"))
        return db_id
    db_id = int(rows[0]["id"])
    current = c.get(f"/api/v1/database/{db_id}/connection")["result"]
    same = (
        current.get("sqlalchemy_uri") == uri
        and _json(current.get("extra")) == DATABASE_EXTRA
        and current.get("expose_in_sqllab") is True
    )
    if not same:
        c.put(f"/api/v1/database/{db_id}", body)
    out.append(Outcome("database", name, db_id, "unchanged" if same else "updated"))
    return db_id


def _ensure_dataset(c: SupersetClient, db_id: int, spec: DatasetSpec, out: list[Outcome]) -> int:
    rows = [r for r in c.find("dataset", table_name=spec.name) if r["database"]["id"] == db_id]
    if not rows:
        body: dict[str, Any] = {"database": db_id, "schema": "main", "table_name": spec.name}
        if spec.sql is not None:
            body["sql"] = spec.sql
        ds_id = int(c.post("/api/v1/dataset/", body)["id"])
        c.put(f"/api/v1/dataset/{ds_id}/refresh", {})  # read its columns from the snapshot
        out.append(Outcome("dataset", spec.name, ds_id, "created"))
        return ds_id
    ds_id = int(rows[0]["id"])
    same = _norm_sql(rows[0].get("sql")) == _norm_sql(spec.sql)
    if not same:
        c.put(f"/api/v1/dataset/{ds_id}", {"sql": spec.sql})
        c.put(f"/api/v1/dataset/{ds_id}/refresh", {})
    out.append(Outcome("dataset", spec.name, ds_id, "unchanged" if same else "updated"))
    return ds_id


def _ensure_dashboard(c: SupersetClient, spec: DashboardSpec, out: list[Outcome]) -> int:
    found = c.request("GET", f"/api/v1/dashboard/{spec.slug}", ok=(200, 404))
    if "result" not in found:
        body = {"dashboard_title": spec.title, "slug": spec.slug, "published": True}
        dash_id = int(c.post("/api/v1/dashboard/", body)["id"])
        out.append(Outcome("dashboard", spec.title, dash_id, "created"))
        return dash_id
    current = found["result"]
    dash_id = int(current["id"])
    same = current.get("dashboard_title") == spec.title and current.get("published") is True
    if not same:
        c.put(f"/api/v1/dashboard/{dash_id}", {"dashboard_title": spec.title, "published": True})
    out.append(Outcome("dashboard", spec.title, dash_id, "unchanged" if same else "updated"))
    return dash_id


def _ensure_chart(
    c: SupersetClient, spec: ChartSpec, ds_id: int, dash_id: int, out: list[Outcome]
) -> tuple[int, str]:
    params = assets.form_data(spec, ds_id)
    qc = assets.query_context(spec, ds_id)
    body = {
        "slice_name": spec.name,
        "viz_type": spec.viz_type,
        "datasource_id": ds_id,
        "datasource_type": "table",
        "params": json.dumps(params),
        "query_context": json.dumps(qc),
        "dashboards": [dash_id],
    }
    rows = c.find("chart", slice_name=spec.name)
    if not rows:
        chart_id = int(c.post("/api/v1/chart/", body)["id"])
        uuid = str(c.get(f"/api/v1/chart/{chart_id}")["result"].get("uuid", ""))
        out.append(Outcome("chart", spec.name, chart_id, "created"))
        return chart_id, uuid
    row = rows[0]
    chart_id = int(row["id"])
    current = c.get(f"/api/v1/chart/{chart_id}")["result"]
    same = (
        row.get("viz_type") == spec.viz_type
        and row.get("datasource_id") == ds_id
        and _json(row.get("params")) == params
        and _json(current.get("query_context")) == qc
        and dash_id in {d["id"] for d in row.get("dashboards", [])}
    )
    if not same:
        c.put(f"/api/v1/chart/{chart_id}", body)
    out.append(Outcome("chart", spec.name, chart_id, "unchanged" if same else "updated"))
    return chart_id, str(row.get("uuid") or current.get("uuid") or "")


def _ensure_layout(
    c: SupersetClient,
    dash_id: int,
    spec: DashboardSpec,
    charts: list[tuple[ChartSpec, int, str]],
    out: list[Outcome],
) -> None:
    layout = assets.position_json(spec.title, charts)
    current = c.get(f"/api/v1/dashboard/{dash_id}")["result"]
    if _json(current.get("position_json")) == layout:
        out.append(Outcome("layout", spec.title, dash_id, "unchanged"))
        return
    metadata = _json(current.get("json_metadata")) or {}
    metadata["positions"] = layout  # Superset links the charts to the dashboard from this
    c.put(
        f"/api/v1/dashboard/{dash_id}",
        {"position_json": json.dumps(layout), "json_metadata": json.dumps(metadata)},
    )
    out.append(Outcome("layout", spec.title, dash_id, "updated"))


def _ensure_embedded(
    c: SupersetClient, dash_id: int, domains: list[str], out: list[Outcome]
) -> str:
    found = c.request("GET", f"/api/v1/dashboard/{dash_id}/embedded", ok=(200, 404))
    current = found.get("result")
    if current and sorted(current.get("allowed_domains") or []) == sorted(domains):
        out.append(Outcome("embedding", str(dash_id), current["uuid"], "unchanged"))
        return str(current["uuid"])
    result = c.post(f"/api/v1/dashboard/{dash_id}/embedded", {"allowed_domains": domains})
    uuid = str(result["result"]["uuid"])
    out.append(Outcome("embedding", str(dash_id), uuid, "updated" if current else "created"))
    return uuid


def _json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value) if value else None
        except ValueError:
            return value
    return value


def _norm_sql(sql: str | None) -> str | None:
    return " ".join(sql.split()) if sql else None
