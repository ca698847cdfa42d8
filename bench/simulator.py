"""How fast the World Cup simulator makes posts (one core). Prints posts/s.

    uv run python bench/simulator.py [--rate 1.0] [--start 2022-11-20] [--end 2022-12-18]
"""

from __future__ import annotations

import argparse
import gc
import time
from datetime import date

from hubbub.sources.simulator import WorldCupSimulator
from hubbub.sources.users_pool import UserPool


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rate", type=float, default=1.0)
    ap.add_argument("--start", type=date.fromisoformat, default=date(2022, 11, 20))
    ap.add_argument("--end", type=date.fromisoformat, default=date(2022, 12, 18))
    ap.add_argument("--batch", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=2022)
    ap.add_argument("--gc", choices=["default", "tuned"], default="default",
                    help="tuned: freeze start-up objects and collect less often, as a high-"
                    "throughput service would (gc.freeze(); gc.set_threshold(100_000, 50, 100))")
    args = ap.parse_args()

    t0 = time.perf_counter()
    users = UserPool(seed=args.seed)
    t1 = time.perf_counter()
    sim = WorldCupSimulator(args.seed, args.start, args.end, args.rate, users=users)
    if args.gc == "tuned":
        gc.freeze()
        gc.set_threshold(100_000, 50, 100)
    t2 = time.perf_counter()
    n = sum(len(batch.posts) for batch in sim.batches(args.batch))
    t3 = time.perf_counter()
    print(f"user pool: {len(users)} users in {t1 - t0:.2f}s; simulator set-up {t2 - t1:.2f}s")
    print(f"{n} posts ({args.start}..{args.end}, rate {args.rate}) in {t3 - t2:.2f}s: "
          f"{n / (t3 - t2):,.0f} posts/s (gc {args.gc})")


if __name__ == "__main__":
    main()
