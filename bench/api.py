"""API latency on a big DuckDB store: p50/p99 and requests/s per dashboard endpoint.

    uv run python bench/api.py                 # 10M posts, cached in .bench/api_10m.duckdb
    uv run python bench/api.py --posts 1000000 # quicker

The store is generated column-wise by DuckDB SQL (29 days x ~100 countries x 8 langs x 32
teams x 300 hashtags) and written through ``DuckDBStore.write_arrow`` in chunks, so rollups
are maintained by the same code path as live ingestion. The API runs in a subprocess
(uvicorn) so the client does not share its GIL.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import httpx

from hubbub.store.duckdb import DuckDBStore

DAYS = 29
START = "2022-11-20 00:00:00"
COUNTRIES = (
    "AR BR FR GB US ES DE MX NL PT MA JP KR SA QA EC SN IR TN AU CA CH CM DK GH HR PL RS "
    "UY BE CR WS IN ID NG KE ZA EG DZ TR IT IE SE NO FI RU UA CO CL PE VE BO PY PA HN GT "
    "SV NI DO CU JM TT PR PH MY SG TH VN CN HK TW PK BD LK NP AE KW OM BH JO LB IQ SY IL "
    "GR CY RO BG HU CZ SK AT SI BA ME AL MK NZ FJ"
).split()
LANGS = ["en", "es", "pt", "fr", "ar", "ja", "de", "und"]
TEAMS = (
    "Argentina Australia Belgium Brazil Cameroon Canada Costa_Rica Croatia Denmark Ecuador "
    "England France Germany Ghana Iran Japan Mexico Morocco Netherlands Poland Portugal Qatar "
    "Saudi_Arabia Senegal Serbia South_Korea Spain Switzerland Tunisia United_States Uruguay Wales"
).split()


def _list_sql(items: list[str]) -> str:
    return "[" + ", ".join(f"'{x}'" for x in items) + "]"


def generate_sql(lo: int, hi: int, n: int) -> str:
    span_us = DAYS * 86_400 * 1_000_000
    tags = [f"tag{k}" for k in range(290)] + [
        "WorldCup",
        "Qatar2022",
        "FIFAWorldCup",
        "Messi",
        "Mbappe",
        "Ronaldo",
        "GOAL",
        "VAR",
        "Final",
        "ARG",
    ]
    return f"""
    WITH r AS (
      SELECT i, random() AS u1, random() AS u2, random() AS u3, random() AS u4, random() AS u5
      FROM range({lo}, {hi}) t(i))
    SELECT
      'b' || i AS id, 'sim' AS source,
      TIMESTAMP '{START}' + to_microseconds(CAST(i * ({span_us} / {n}) AS BIGINT)) AS created_at,
      'post number ' || i || ' about the world cup' AS text,
      ({_list_sql(LANGS)})[1 + CAST(floor(pow(u2, 2) * 8) AS INT)] AS lang,
      'a' || (i % 500000) AS author_id,
      CASE WHEN u3 < 0.03 THEN NULL ELSE 'user' || (i % 500000) END AS username,
      'User ' || (i % 500000) AS name, NULL AS location, u4 < 0.05 AS verified,
      'https://img.example/' || (i % 500000) || '.png' AS profile_image_url,
      [CAST(i AS VARCHAR)] AS edit_history_tweet_ids,
      list_distinct([({_list_sql(tags)})[1 + CAST(floor(pow(u5, 3) * 300) AS INT)],
                     ({_list_sql(tags)})[1 + CAST(floor(pow(u1, 3) * 300) AS INT)]])
        [1:1 + CAST(floor(u4 * 3) AS INT)] AS hashtags,
      [] :: VARCHAR[] AS mentions, [] :: VARCHAR[] AS urls,
      CAST(u2 * 50 AS BIGINT) AS like_count, CAST(u3 * 10 AS BIGINT) AS retweet_count,
      CAST(u4 * 5 AS BIGINT) AS reply_count, 0 :: BIGINT AS quote_count,
      NULL AS conversation_id, NULL AS in_reply_to_id, NULL AS retweet_of_id,
      CASE WHEN u1 < 0.15 THEN NULL
           ELSE ({_list_sql(COUNTRIES)})[1 + CAST(floor(pow(u3, 2.5) * {len(COUNTRIES)}) AS INT)]
      END AS country_code,
      NULL AS country_name, 0.9 AS location_confidence,
      round(u2 * 2 - 1, 4) AS sentiment_compound,
      CASE WHEN u2 * 2 - 1 > 0.05 THEN 'positive' WHEN u2 * 2 - 1 < -0.05 THEN 'negative'
           ELSE 'neutral' END AS sentiment_label,
      CASE WHEN u5 < 0.3 THEN ['goal'] ELSE [] END :: VARCHAR[] AS keywords,
      list_distinct([({_list_sql(TEAMS)})[1 + CAST(floor(pow(u1, 1.5) * 32) AS INT)],
                     ({_list_sql(TEAMS)})[1 + CAST(floor(u4 * 32) AS INT)]])
        [1:CAST(floor(u5 * 3) AS INT)] AS teams,
      CASE WHEN u4 < 0.01 THEN 'user_lookup_failed' ELSE 'complete' END AS enrichment_status,
      TIMESTAMP '{START}' AS enriched_at, NULL :: TIMESTAMP AS ingested_at
    FROM r"""


def build(path: Path, n: int, chunk: int = 500_000) -> None:
    gen = duckdb.connect()
    gen.execute("SELECT setseed(0.42)").fetchall()
    store = DuckDBStore(path)
    store.setup()
    t0 = time.perf_counter()
    for lo in range(0, n, chunk):
        table = gen.sql(generate_sql(lo, min(n, lo + chunk), n)).to_arrow_table()
        store.write_arrow(table)
        done = min(n, lo + chunk)
        rate = done / (time.perf_counter() - t0)
        print(f"  {done:>11,} posts  ({rate:,.0f} rows/s)", end="\r", flush=True)
    print()
    store.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(path: Path, port: int) -> None:
    import uvicorn

    from hubbub.api.app import create_app

    store = DuckDBStore(path)
    store.setup()
    uvicorn.run(create_app(store), host="127.0.0.1", port=port, log_level="warning")


ENDPOINTS = [
    "/api/v1/posts/recent?limit=50",
    "/api/v1/counts/day",
    "/api/v1/counts/country",
    "/api/v1/timeline?bucket=hour",
    "/api/v1/timeline?bucket=day",
    "/api/v1/hashtags/top?limit=20",
    "/api/v1/sentiment/country",
    "/api/v1/sentiment/team",
    "/api/v1/busiest-day",
    "/api/v1/stats",
]
FILTERED = ["country=AR", "team=Argentina", "since=2022-12-01T00:00:00Z&until=2022-12-08T00:00:00Z"]


def measure(base: str, requests: int) -> None:
    rows = []
    with httpx.Client(base_url=base, timeout=30) as client:
        for path in ENDPOINTS:
            for filt in ["", *FILTERED[:1], *(FILTERED[1:] if "recent" not in path else [])]:
                url = path + ("&" if "?" in path else "?") + filt if filt else path
                client.get(url).raise_for_status()  # warm-up
                times = []
                t0 = time.perf_counter()
                for _ in range(requests):
                    t = time.perf_counter()
                    client.get(url).raise_for_status()
                    times.append((time.perf_counter() - t) * 1000)
                wall = time.perf_counter() - t0
                times.sort()
                p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
                rows.append((url, statistics.median(times), p99, requests / wall))
    print(f"\n{'endpoint':78} {'p50 ms':>7} {'p99 ms':>7} {'req/s':>7}")
    for url, p50, p99, rps in rows:
        flag = "" if p99 <= 20 else "  > 20 ms"
        print(f"{url[:78]:78} {p50:7.1f} {p99:7.1f} {rps:7.0f}{flag}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--posts", type=int, default=10_000_000)
    ap.add_argument("--requests", type=int, default=300)
    ap.add_argument("--rebuild", action="store_true", help="regenerate the cached store")
    ap.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        serve(args.serve, args.port)
        return
    label = f"{args.posts // 1_000_000}m" if args.posts >= 1_000_000 else f"{args.posts}"
    path = Path(".bench") / f"api_{label}.duckdb"
    if args.rebuild or not path.exists():
        for p in (path, path.with_suffix(".duckdb.wal")):
            p.unlink(missing_ok=True)
        print(f"building {path} with {args.posts:,} posts …")
        t = time.perf_counter()
        build(path, args.posts)
        print(f"built in {time.perf_counter() - t:.1f} s")
    port = free_port()
    cmd = [sys.executable, __file__, "--serve", str(path), "--port", str(port)]
    server = subprocess.Popen(cmd)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        stats = httpx.get(base + "/api/v1/stats").json()
        print(f"store: {stats['posts']:,} posts, {stats['countries']} countries")
        measure(base, args.requests)
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
