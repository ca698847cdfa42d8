"""What bootstrap sends to Superset: Rison queries, chart query contexts, the layout.

Pure functions (no Superset); they sit beside the Superset tests they support.
"""

from __future__ import annotations

from hubbub.superset import assets
from hubbub.superset.bootstrap import snapshot_uri
from hubbub.superset.client import rison


def test_rison() -> None:
    q = {"filters": [{"col": "slice_name", "opr": "eq", "value": "Top 5"}], "n": 5}
    assert rison(q) == "('filters':!(('col':'slice_name','opr':'eq','value':'Top 5')),'n':5)"
    assert rison("it's!") == "'it!'s!!'"
    assert rison([True, False, None, 1.5]) == "!(!t,!f,!n,1.5)"


def test_every_chart_reads_a_declared_dataset() -> None:
    names = {d.name for d in assets.DATASETS}
    assert {c.dataset for c in assets.CHARTS} <= names
    assert [c.name for c in assets.DASHBOARD.charts] == [
        "Posts per day",
        "Posts by nation",
        "Top poster per nation",
    ]


def test_query_context_points_at_the_dataset() -> None:
    chart = assets.CHARTS[0]
    qc = assets.query_context(chart, 7)
    assert qc["datasource"] == {"id": 7, "type": "table"}
    assert qc["form_data"]["datasource"] == "7__table"
    assert qc["form_data"]["viz_type"] == chart.viz_type
    assert qc["queries"][0]["columns"] == ["day"]


def test_layout_rows_fill_twelve_columns() -> None:
    charts = [(spec, i, f"uuid-{i}") for i, spec in enumerate(assets.CHARTS, 1)]
    layout = assets.position_json("T", charts)
    assert layout["GRID_ID"]["children"] == ["ROW-1", "ROW-2"]
    assert layout["ROW-1"]["children"] == ["CHART-1"]  # posts per day, full width
    assert layout["ROW-2"]["children"] == ["CHART-2", "CHART-3"]
    assert layout["CHART-3"]["meta"]["chartId"] == 3
    assert layout["CHART-3"]["parents"] == ["ROOT_ID", "GRID_ID", "ROW-2"]


def test_snapshot_uri_is_absolute(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert snapshot_uri("data/bi/x.duckdb") == f"duckdb:///{tmp_path}/data/bi/x.duckdb"
