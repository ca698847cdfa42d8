"""Sentiment throughput: vaderSentiment per post vs hubbub's exact port, one core.

    uv run python bench/sentiment.py [--repeat 5] [--rounds 5] [--profile]

Streams built from the 4,200 human-rated VADER tweets (tests/fixtures/vader):

* cold: each tweet once, our text cache disabled and the token memo emptied first;
* unique: the tweets repeated ``--repeat`` times, our text cache disabled (every call
  scores; the token memo is emptied at the start, so the first copy pays its misses);
* retweets: the same length, ~40% of texts repeat one of the last 2,000 (retweets cluster
  in time), the rest are new texts (a tweet plus a unique number token). Ours runs with the
  default LRU cache, a fresh scorer per round.

Each figure is the best of ``--rounds`` interleaved rounds, because these are shared, noisy
machines. The reference has no cache, so it is timed once per stream.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from hubbub.enrich._vader_core import clear_token_memo
from hubbub.enrich.sentiment import SentimentScorer

FIXTURE = Path(__file__).resolve().parents[1] / "tests/fixtures/vader/tweets_GroundTruth.txt"


def load_tweets() -> list[str]:
    lines = FIXTURE.read_text(encoding="latin-1").splitlines()
    return [line.split("\t", 2)[2] for line in lines if line.strip()]


def retweet_stream(tweets: Sequence[str], n: int, repeat_share: float, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    out: list[str] = []
    for j in range(n):
        if out and rng.random() < repeat_share:
            out.append(out[-rng.randint(1, min(len(out), 2000))])
        else:
            out.append(f"{tweets[j % len(tweets)]} {j}")
    return out


def rate(fn: Callable[[list[str]], object], texts: list[str]) -> float:
    clear_token_memo()
    start = time.perf_counter()
    fn(texts)
    return len(texts) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="copies of the 4,200 tweets")
    parser.add_argument("--rounds", type=int, default=5, help="best-of rounds per figure")
    parser.add_argument("--profile", action="store_true", help="pyinstrument our unique run")
    args = parser.parse_args()

    tweets = load_tweets()
    unique = tweets * args.repeat
    stream = retweet_stream(tweets, len(unique), repeat_share=0.4)
    repeats = len(stream) - len(set(stream))

    analyzer = SentimentIntensityAnalyzer()

    def reference(texts: list[str]) -> object:
        return [analyzer.polarity_scores(t)["compound"] for t in texts]

    def ours_uncached(texts: list[str]) -> object:
        return SentimentScorer(cache_size=0).score_many(texts)

    def ours_cached(texts: list[str]) -> object:
        return SentimentScorer().score_many(texts)

    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        with profiler:
            ours_uncached(unique)
        print(profiler.output_text(unicode=True, color=False))
        return

    rows = {  # name: (texts, ours); best rate of each side over the rounds
        "4,200 unique, cold memo": (tweets, ours_uncached),
        f"4,200 x {args.repeat}, no text cache": (unique, ours_uncached),
        "~40% repeats, no text cache": (stream, ours_uncached),
        "~40% repeats, LRU text cache": (stream, ours_cached),
    }
    best: dict[str, list[float]] = {name: [0.0, 0.0] for name in rows}
    for _ in range(args.rounds):  # interleaved, so background load hits both sides alike
        for name, (texts, ours) in rows.items():
            best[name][0] = max(best[name][0], rate(reference, texts))
            best[name][1] = max(best[name][1], rate(ours, texts))

    print(
        f"best of {args.rounds} interleaved rounds; "
        f"repeated texts in the ~40% stream: {repeats / len(stream):.0%}"
    )
    print(f"{'stream':<32}{'vaderSentiment':>16}{'hubbub':>12}{'ratio':>8}")
    for name, (ref_rate, our_rate) in best.items():
        print(f"{name:<32}{ref_rate:>14,.0f}/s{our_rate:>10,.0f}/s{our_rate / ref_rate:>7.2f}x")


if __name__ == "__main__":
    main()
