import { useMemo } from "react";
import type { DayCount } from "../api/types";
import { fmtDay, fmtInt } from "../lib/format";
import { busiestDay } from "../lib/shape";
import type { Resource } from "../state/useApi";
import { LazyChart as Chart } from "./LazyChart";
import { COLORS, ink } from "./common";
import { Panel } from "./Panel";

/** Posts per UTC day, the busiest day (computed from the same data) called out. */
export function PerDayPanel({ days, dark }: { days: Resource<DayCount[]>; dark: boolean }) {
  const data = useMemo(() => days.data ?? [], [days.data]);
  const best = useMemo(() => busiestDay(data), [data]);
  const option = useMemo(() => {
    const c = ink(dark);
    return {
      grid: { left: 48, right: 12, top: 36, bottom: 28 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: data.map((d) => fmtDay(d.day)), axisLabel: { color: c.text, hideOverlap: true } },
      yAxis: { type: "value", axisLabel: { color: c.text }, splitLine: { lineStyle: { color: c.faint } } },
      series: [
        {
          type: "bar",
          name: "posts",
          data: data.map((d) => ({
            value: d.posts,
            itemStyle: { color: best && d.day === best.day ? COLORS.busiest : COLORS.accent },
          })),
          markPoint: best
            ? {
                symbol: "roundRect",
                symbolSize: [64, 20],
                symbolOffset: [0, -16],
                itemStyle: { color: COLORS.busiest },
                label: { color: "#111", fontSize: 11, formatter: "busiest" },
                data: [{ coord: [fmtDay(best.day), best.posts], value: best.posts }],
              }
            : undefined,
        },
      ],
    };
  }, [data, best, dark]);
  return (
    <Panel
      id="per-day"
      title="Posts per day"
      subtitle={
        best ? (
          <span data-busiest={best.day}>
            Busiest: <strong>{fmtDay(best.day)}</strong> · {fmtInt(best.posts)} posts
          </span>
        ) : (
          "UTC days"
        )
      }
      loading={days.loading && !days.data}
      error={days.error}
      empty={data.length === 0}
      total={data.reduce((a, d) => a + d.posts, 0)}
      className="span-5"
    >
      <Chart option={option} dark={dark} label={best ? `Posts per day; busiest ${best.day} with ${best.posts} posts` : "Posts per day"} />
    </Panel>
  );
}
