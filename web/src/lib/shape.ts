// Data shaping for the panels: pure functions, tested by Vitest.
import type { DayCount, MatchInfo, TimelinePoint } from "../api/types";

/** The day with most posts (the earliest of equals), or null without data. */
export function busiestDay(days: readonly DayCount[]): DayCount | null {
  let best: DayCount | null = null;
  for (const d of days) {
    if (d.posts > 0 && (best === null || d.posts > best.posts || (d.posts === best.posts && d.day < best.day))) {
      best = d;
    }
  }
  return best;
}

export type Bucket = "minute" | "hour";
const HOUR = 3_600_000;

/** Minute buckets when the range shown spans at most two days (goal spikes show), else hours. */
export function chooseBucket(first?: string | null, last?: string | null): Bucket {
  if (!first || !last) return "minute";
  return new Date(last).getTime() - new Date(first).getTime() <= 48 * HOUR ? "minute" : "hour";
}

/** Posts per minute over the last ``minutes`` complete minutes of a minute timeline. */
export function postsPerMinute(points: readonly TimelinePoint[], minutes = 10): number {
  if (points.length === 0) return 0;
  const lastTs = new Date(points[points.length - 1].ts).getTime();
  const lo = lastTs - minutes * 60_000; // the newest (partial) minute is left out
  let n = 0;
  for (const p of points) {
    const t = new Date(p.ts).getTime();
    if (t >= lo && t < lastTs) n += p.posts;
  }
  return n / minutes;
}

/** Matches that overlap [from, to] (ISO strings; open ends allowed), for timeline markers. */
export function matchesInRange(ms: readonly MatchInfo[], from?: string, to?: string): MatchInfo[] {
  const lo = from ? new Date(from).getTime() : -Infinity;
  const hi = to ? new Date(to).getTime() : Infinity;
  return ms.filter((m) => new Date(m.end).getTime() >= lo && new Date(m.kickoff).getTime() <= hi);
}

export function matchLabel(m: MatchInfo): string {
  const h = m.home_code ?? m.home;
  const a = m.away_code ?? m.away;
  const pens = m.shootout ? ` (${m.shootout[0]}–${m.shootout[1]} p)` : "";
  return `${h} ${m.home_score}–${m.away_score} ${a}${pens}`;
}

/** Sentiment share of a group (0 when it has no posts). */
export function share(part: number, total: number): number {
  return total > 0 ? part / total : 0;
}
