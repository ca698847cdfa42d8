import { useMemo } from "react";
import type { CountrySentiment, TeamSentiment } from "../api/types";
import { flag, fmtInt, fmtPct, fmtSigned } from "../lib/format";
import type { Resource } from "../state/useApi";
import { LazyChart as Chart } from "./LazyChart";
import { COLORS, ink } from "./common";
import { Panel } from "./Panel";

interface Row {
  label: string;
  net: number; // (positive - negative) / posts
  posts: number;
  positive: number;
  negative: number;
  avg: number;
}

const toRow = (label: string, s: TeamSentiment | CountrySentiment): Row => ({
  label,
  net: s.posts ? (s.positive - s.negative) / s.posts : 0,
  posts: s.posts,
  positive: s.positive,
  negative: s.negative,
  avg: s.avg_compound,
});

function option(rows: Row[], dark: boolean) {
  const c = ink(dark);
  const sorted = [...rows].sort((a, b) => a.net - b.net);
  return {
    grid: { left: 118, right: 24, top: 8, bottom: 24 },
    tooltip: {
      trigger: "item",
      formatter: (p: { dataIndex: number }) => {
        const r = sorted[p.dataIndex];
        return `${r.label}<br/>${fmtInt(r.posts)} posts · ${fmtPct(r.positive / r.posts)} positive · ${fmtPct(r.negative / r.posts)} negative<br/>mean compound ${fmtSigned(r.avg)}`;
      },
    },
    xAxis: { type: "value", min: -1, max: 1, axisLabel: { color: c.text, formatter: (v: number) => fmtPct(v) }, splitLine: { lineStyle: { color: c.faint } } },
    yAxis: { type: "category", data: sorted.map((r) => r.label), axisLabel: { color: c.text, fontSize: 11, interval: 0 } },
    series: [
      {
        type: "bar",
        barMaxWidth: 14,
        data: sorted.map((r) => ({ value: Number(r.net.toFixed(3)), itemStyle: { color: r.net >= 0 ? COLORS.pos : COLORS.neg } })),
      },
    ],
  };
}

const MIN_POSTS = 5; // fewer posts than this give a share of ±100 % that means little
const SUB = `net sentiment: share positive minus share negative (groups of ${MIN_POSTS}+ posts)`;

/** Sentiment by the team a post mentions (a post naming two teams counts for both). */
export function TeamSentimentPanel({ data, dark }: { data: Resource<TeamSentiment[]>; dark: boolean }) {
  const rows = useMemo(
    () => (data.data ?? []).filter((s) => s.posts >= MIN_POSTS).map((s) => toRow(s.team, s)),
    [data.data],
  );
  const opt = useMemo(() => option(rows, dark), [rows, dark]);
  return (
    <Panel id="sentiment-team" title="Sentiment by team" subtitle={SUB} loading={data.loading && !data.data} error={data.error} empty={rows.length === 0} className="span-6" total={rows.reduce((a, r) => a + r.posts, 0)}>
      <Chart option={opt} dark={dark} className="chart-tall-2" label={`Net sentiment by team for ${rows.length} teams`} />
    </Panel>
  );
}

/** Sentiment by the posting nation (the 20 most active). */
export function NationSentimentPanel({ data, dark }: { data: Resource<CountrySentiment[]>; dark: boolean }) {
  const rows = useMemo(
    () =>
      (data.data ?? [])
        .filter((s) => s.posts >= MIN_POSTS)
        .slice(0, 20)
        .map((s) => toRow(`${flag(s.country_code)} ${s.country_name ?? s.country_code}`, s)),
    [data.data],
  );
  const opt = useMemo(() => option(rows, dark), [rows, dark]);
  return (
    <Panel id="sentiment-nation" title="Sentiment by nation" subtitle={`${SUB} (20 most active)`} loading={data.loading && !data.data} error={data.error} empty={rows.length === 0} className="span-6" total={rows.reduce((a, r) => a + r.posts, 0)}>
      <Chart option={opt} dark={dark} className="chart-tall-2" label={`Net sentiment by nation for ${rows.length} nations`} />
    </Panel>
  );
}
