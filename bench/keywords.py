"""Keyword matching and entity extraction throughput on 100k synthetic posts.

uv run python bench/keywords.py [n]
"""

from __future__ import annotations

import random
import sys
import time

from hubbub.enrich.keywords import KeywordMatcher
from hubbub.enrich.text import extract_hashtags, extract_mentions, extract_urls

TEMPLATES = [
    "Vamos {team}!!! {player} is the GOAT #{code} #Qatar2022 https://t.co/{n}",
    "What a match between {team} and {team2}, that penalty call by the referee was a joke",
    "Allez les Bleus ! Mbappé encore 🔥 #FRA #{code}{code2}",
    "Just had lunch with @friend{n}, nothing to do with football today honestly",
    "¡Qué golazo de {player}! {team} a la final del Mundial",
    "Son Heung-min scores! 대한민국이 이겼다 #{code}",
    "日本代表がんばれ！ドイツに勝った！ #SAMURAIBLUE",
    "VAR again… offside by a toenail. @FIFAWorldCup sort it out {n}",
    "Watching the World Cup with my kids, {team} fans everywhere in town tonight",
    "Why is my code so slow? Refactoring the usage of var in the legacy app {n}",
]
TEAMS = ["Argentina", "Brazil", "Deutschland", "Marruecos", "les États-Unis", "Croatia", "Japan"]
PLAYERS = ["Messi", "Neymar", "Modrić", "Hakimi", "Kane", "Pulisic", "Ronaldo", "Bounou"]
CODES = ["ARG", "FRA", "BRA", "MAR", "CRO", "ENG", "USA", "KOR"]


def sample_texts(n: int, seed: int = 2022) -> list[str]:
    rng = random.Random(seed)
    return [
        rng.choice(TEMPLATES).format(
            team=rng.choice(TEAMS),
            team2=rng.choice(TEAMS),
            player=rng.choice(PLAYERS),
            code=rng.choice(CODES),
            code2=rng.choice(CODES),
            n=i,
        )
        for i in range(n)
    ]


def rate(label: str, n: int, seconds: float) -> None:
    print(f"{label:<28} {n / seconds:>12,.0f} /s   ({seconds * 1e6 / n:.1f} µs each)")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    texts = sample_texts(n)
    started = time.perf_counter()
    matcher = KeywordMatcher()
    print(f"taxonomy loaded and compiled in {(time.perf_counter() - started) * 1e3:.0f} ms")

    started = time.perf_counter()
    tags = [extract_hashtags(t) for t in texts]
    rate("extract_hashtags", n, time.perf_counter() - started)
    started = time.perf_counter()
    for t in texts:
        extract_mentions(t)
        extract_urls(t)
    rate("extract_mentions + urls", n, time.perf_counter() - started)

    started = time.perf_counter()
    matched = sum(1 for t, h in zip(texts, tags, strict=True) if matcher.match(t, h).keywords)
    rate("KeywordMatcher.match", n, time.perf_counter() - started)
    print(f"posts with at least one keyword: {matched / n:.0%}")


if __name__ == "__main__":
    main()
