"""What hubbub puts into Superset: the database, its datasets, the charts and the dashboard.

Declarative: ``bootstrap.py`` makes Superset match these specs. Names are the identity of each
object (Superset has no upsert), so renaming one here creates a new object on the next run.
The datasets read the BI snapshot (``hubbub.store.snapshot``): table ``posts`` and the views
``posts_per_day`` and ``posts_per_nation``; the top poster per nation is a virtual dataset.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DATABASE_NAME = "hubbub"
DASHBOARD_SLUG = "hubbub"
DASHBOARD_TITLE = "hubbub — World Cup 2022: what the fans say"

# The most frequent poster of each nation, with their share of the nation's posts.
# (Nested subqueries rather than a CTE: Superset wraps virtual datasets in a subquery.)
TOP_POSTER_SQL = """\
SELECT country_code, country_name, username, name, posts, nation_posts,
       round(100.0 * posts / nation_posts, 1) AS share_pct
FROM (
    SELECT *,
           sum(posts) OVER (PARTITION BY country_code) AS nation_posts,
           row_number() OVER (PARTITION BY country_code ORDER BY posts DESC, username) AS rnk
    FROM (
        SELECT country_code, any_value(country_name) AS country_name, author_id,
               any_value(username) AS username, any_value(name) AS name, count(*) AS posts
        FROM main.posts
        WHERE country_code IS NOT NULL
        GROUP BY country_code, author_id
    ) AS per_user
) AS ranked
WHERE rnk = 1
"""


@dataclass(frozen=True, slots=True)
class DatasetSpec:
    name: str
    sql: str | None = None  # None: a table or view of the snapshot's ``main`` schema


@dataclass(frozen=True, slots=True)
class ChartSpec:
    name: str
    viz_type: str
    dataset: str
    params: dict[str, Any]  # the chart's form data (what Explore edits)
    query: dict[str, Any]  # the query object behind /api/v1/chart/{id}/data/
    width: int = 6  # of 12 grid columns on the dashboard
    height: int = 50


def _sum(column: str, label: str) -> dict[str, Any]:
    return {"expressionType": "SQL", "sqlExpression": f"SUM({column})", "label": label}


POSTS = _sum("posts", "posts")

DATASETS = (
    DatasetSpec("posts"),
    DatasetSpec("posts_per_day"),
    DatasetSpec("posts_per_nation"),
    DatasetSpec("top_poster_per_nation", sql=TOP_POSTER_SQL),
)

CHARTS = (
    ChartSpec(
        name="Posts per day",
        viz_type="echarts_timeseries_bar",
        dataset="posts_per_day",
        params={
            "x_axis": "day",
            "time_grain_sqla": "P1D",
            "metrics": [POSTS],
            "groupby": [],
            "adhoc_filters": [],
            "row_limit": 1000,
            "orientation": "vertical",
            "show_legend": False,
            "x_axis_title": "day (UTC)",
            "x_axis_title_margin": 30,
            "y_axis_title": "posts",
            "y_axis_title_margin": 50,
            "y_axis_title_position": "Left",
            "y_axis_format": "SMART_NUMBER",
            "rich_tooltip": True,
        },
        query={
            "columns": ["day"],
            "metrics": [POSTS],
            "orderby": [[{"expressionType": "SQL", "sqlExpression": "day"}, True]],
            "row_limit": 1000,
        },
        width=12,
    ),
    ChartSpec(
        name="Posts by nation",
        viz_type="echarts_timeseries_bar",
        dataset="posts_per_nation",
        params={
            "x_axis": "country_name",
            "metrics": [POSTS],
            "groupby": [],
            "adhoc_filters": [],
            "row_limit": 20,
            "x_axis_sort": "posts",
            "x_axis_sort_asc": False,
            "orientation": "horizontal",
            "show_legend": False,
            "y_axis_format": "SMART_NUMBER",
            "rich_tooltip": True,
        },
        query={
            "columns": ["country_name"],
            "metrics": [POSTS],
            "orderby": [[POSTS, False]],
            "row_limit": 20,
        },
        height=60,
    ),
    ChartSpec(
        name="Top poster per nation",
        viz_type="table",
        dataset="top_poster_per_nation",
        params={
            "query_mode": "raw",
            "all_columns": ["country_name", "username", "name", "posts", "share_pct"],
            "order_by_cols": ['["posts", false]'],
            "adhoc_filters": [],
            "row_limit": 300,
            "include_search": True,
            "server_pagination": False,
        },
        query={
            "columns": ["country_name", "username", "name", "posts", "share_pct"],
            "metrics": [],
            "orderby": [["posts", False]],
            "row_limit": 300,
        },
        height=60,
    ),
)


@dataclass(frozen=True, slots=True)
class DashboardSpec:
    slug: str = DASHBOARD_SLUG
    title: str = DASHBOARD_TITLE
    charts: tuple[ChartSpec, ...] = field(default=CHARTS)


DASHBOARD = DashboardSpec()


def form_data(chart: ChartSpec, dataset_id: int) -> dict[str, Any]:
    return {**chart.params, "viz_type": chart.viz_type, "datasource": f"{dataset_id}__table"}


def query_context(chart: ChartSpec, dataset_id: int) -> dict[str, Any]:
    """The saved query context: what the chart data endpoint (and thumbnails) run."""
    query = {"filters": [], "extras": {"having": "", "where": ""}, **chart.query}
    return {
        "datasource": {"id": dataset_id, "type": "table"},
        "force": False,
        "queries": [query],
        "form_data": form_data(chart, dataset_id),
        "result_format": "json",
        "result_type": "full",
    }


def position_json(title: str, charts: list[tuple[ChartSpec, int, str]]) -> dict[str, Any]:
    """The dashboard layout: charts in rows of 12 grid columns, in the order given.

    ``charts`` holds (spec, chart id, chart uuid).
    """
    layout: dict[str, Any] = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
        "GRID_ID": {"type": "GRID", "id": "GRID_ID", "children": [], "parents": ["ROOT_ID"]},
        "HEADER_ID": {"type": "HEADER", "id": "HEADER_ID", "meta": {"text": title}},
    }
    rows: list[list[tuple[ChartSpec, int, str]]] = []
    for item in charts:
        if rows and sum(c.width for c, _, _ in rows[-1]) + item[0].width <= 12:
            rows[-1].append(item)
        else:
            rows.append([item])
    for r, row in enumerate(rows, 1):
        row_id = f"ROW-{r}"
        layout["GRID_ID"]["children"].append(row_id)
        layout[row_id] = {
            "type": "ROW",
            "id": row_id,
            "children": [],
            "parents": ["ROOT_ID", "GRID_ID"],
            "meta": {"background": "BACKGROUND_TRANSPARENT"},
        }
        for spec, chart_id, uuid in row:
            cid = f"CHART-{chart_id}"
            layout[row_id]["children"].append(cid)
            layout[cid] = {
                "type": "CHART",
                "id": cid,
                "children": [],
                "parents": ["ROOT_ID", "GRID_ID", row_id],
                "meta": {
                    "chartId": chart_id,
                    "sliceName": spec.name,
                    "uuid": uuid,
                    "width": spec.width,
                    "height": spec.height,
                },
            }
    return layout
