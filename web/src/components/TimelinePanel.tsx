import { useMemo } from "react";
import type { MatchInfo, TimelinePoint } from "../api/types";
import { fmtDateTime, fmtInt } from "../lib/format";
import { matchLabel, matchesInRange, type Bucket } from "../lib/shape";
import type { Resource } from "../state/useApi";
import { LazyChart as Chart } from "./LazyChart";
import { COLORS, ink } from "./common";
import { Panel } from "./Panel";

interface Props {
  timeline: Resource<TimelinePoint[]>;
  matches: Resource<MatchInfo[]>;
  bucket: Bucket;
  dark: boolean;
}

const MAX_LABELS = 10;

function buildOption(points: TimelinePoint[], ms: MatchInfo[], bucket: Bucket, dark: boolean) {
  const c = ink(dark);
  const byTs = new Map(points.map((p) => [new Date(p.ts).getTime(), p.posts]));
  const step = bucket === "minute" ? 60_000 : 3_600_000;
  const goals =
    bucket === "minute"
      ? ms.flatMap((m) =>
          m.goals.map((g) => {
            const t = Math.floor(new Date(g.at).getTime() / step) * step;
            const y = Math.max(byTs.get(t) ?? 0, byTs.get(t + step) ?? 0, byTs.get(t + 2 * step) ?? 0);
            const team = g.side === 0 ? (m.home_code ?? m.home) : (m.away_code ?? m.away);
            return { coord: [t, y], name: `⚽ ${g.minute}' ${g.scorer} (${team})`, value: "⚽" };
          }),
        )
      : [];
  return {
    grid: { left: 48, right: 16, top: 28, bottom: 56 },
    tooltip: { trigger: "axis" },
    xAxis: { type: "time", axisLabel: { color: c.text, hideOverlap: true }, axisLine: { lineStyle: { color: c.faint } } },
    yAxis: { type: "value", name: `posts / ${bucket}`, nameTextStyle: { color: c.text }, axisLabel: { color: c.text }, splitLine: { lineStyle: { color: c.faint } } },
    dataZoom: [{ type: "inside" }, { type: "slider", height: 18, bottom: 8 }],
    series: [
      {
        name: "posts",
        type: "line",
        showSymbol: false,
        sampling: "lttb",
        lineStyle: { width: 1.5, color: COLORS.accent },
        itemStyle: { color: COLORS.accent },
        areaStyle: { opacity: 0.15, color: COLORS.accent },
        data: points.map((p) => [p.ts, p.posts]),
        markArea: {
          silent: true,
          itemStyle: { color: dark ? "rgba(245,158,11,.12)" : "rgba(245,158,11,.14)" },
          label: { show: ms.length <= MAX_LABELS, color: c.text, fontSize: 11, position: "insideTop" },
          data: ms.map((m) => [{ name: matchLabel(m), xAxis: m.kickoff }, { xAxis: m.end }]),
        },
        markPoint: {
          symbol: "pin",
          symbolSize: 30,
          label: { fontSize: 11 },
          itemStyle: { color: COLORS.busiest },
          data: goals,
          tooltip: { formatter: (p: { name: string }) => p.name },
        },
      },
    ],
  };
}

/** Posts over time with the matches in view marked (teams, score) and their goals pinned. */
export function TimelinePanel({ timeline, matches, bucket, dark }: Props) {
  const points = useMemo(() => timeline.data ?? [], [timeline.data]);
  const ms = useMemo(() => {
    if (!points.length || !matches.data) return [];
    return matchesInRange(matches.data, points[0].ts, points[points.length - 1].ts);
  }, [points, matches.data]);
  const option = useMemo(() => buildOption(points, ms, bucket, dark), [points, ms, bucket, dark]);
  const peak = points.reduce<TimelinePoint | null>((a, p) => (a && a.posts >= p.posts ? a : p), null);
  return (
    <Panel
      id="timeline"
      title="Posts over time"
      subtitle={
        <>
          per {bucket} (UTC), matches shaded{bucket === "minute" ? ", goals pinned" : ""}
          {peak ? ` · peak ${fmtInt(peak.posts)} at ${fmtDateTime(peak.ts)}` : ""}
        </>
      }
      loading={timeline.loading && !timeline.data}
      error={timeline.error}
      empty={points.length === 0}
      total={points.reduce((a, p) => a + p.posts, 0)}
      className="span-12"
    >
      <Chart
        option={option}
        dark={dark}
        className="chart-tall"
        label={`Posts per ${bucket} over time${peak ? `; peak of ${peak.posts} at ${fmtDateTime(peak.ts)}` : ""}`}
      />
      <ul className="chips" aria-label="Matches in view" data-matches={ms.length}>
        {ms.slice(-8).map((m) => (
          <li key={m.number} className="chip" title={`${m.stage}: ${m.home} v ${m.away}, kick-off ${fmtDateTime(m.kickoff)}`}>
            <span className="chip-stage">{m.stage}</span> {matchLabel(m)}
          </li>
        ))}
      </ul>
    </Panel>
  );
}
