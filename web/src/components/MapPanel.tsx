import { useEffect, useMemo, useState } from "react";
import type { CountryCount } from "../api/types";
import { joinCounts, loadWorld, type World } from "../geo/world";
import { flag, fmtInt, fmtPct } from "../lib/format";
import type { Resource } from "../state/useApi";
import { LazyChart as Chart } from "./LazyChart";
import { COLORS, ink } from "./common";
import { Panel } from "./Panel";

interface Props {
  counts: Resource<CountryCount[]>;
  dark: boolean;
  selected?: string;
  onSelect: (code: string | undefined) => void;
}

/** The world map (loaded after the first paint), registered with ECharts once. */
function useWorld(): { world?: World; error?: string } {
  const [state, setState] = useState<{ world?: World; error?: string }>({});
  useEffect(() => {
    Promise.all([loadWorld(), import("./Chart")])
      .then(([world, chart]) => {
        chart.registerMap("world", world);
        setState({ world });
      })
      .catch((e: Error) => setState({ error: `the world map failed to load: ${e.message}` }));
  }, []);
  return state;
}

/** Choropleth of posts by nation; click a nation to filter by it. */
export function MapPanel({ counts, dark, selected, onSelect }: Props) {
  const { world, error } = useWorld();
  const rows = useMemo(() => counts.data ?? [], [counts.data]);
  const joined = useMemo(() => (world ? joinCounts(world, rows) : { data: [], unmatched: [] }), [world, rows]);
  const option = useMemo(() => {
    const c = ink(dark);
    const max = Math.max(1, ...joined.data.map((d) => d.value));
    return {
      tooltip: {
        trigger: "item",
        formatter: (p: { data?: { label: string; value: number }; name: string }) =>
          p.data ? `${flag(p.name)} ${p.data.label}: ${fmtInt(p.data.value)} posts` : `${flag(p.name)} ${p.name}: no posts`,
      },
      visualMap: {
        type: "continuous",
        min: 0,
        max,
        left: 8,
        bottom: 8,
        itemHeight: 80,
        calculable: false,
        text: [fmtInt(max), "0"],
        textStyle: { color: c.text },
        inRange: { color: dark ? COLORS.mapLowDark : COLORS.mapLow },
      },
      series: [
        {
          type: "map",
          map: "world",
          nameProperty: "iso",
          roam: false,
          left: 4,
          right: 4,
          top: 4,
          bottom: 4,
          aspectScale: 0.85,
          selectedMode: false,
          emphasis: { label: { show: false }, itemStyle: { areaColor: COLORS.busiest } },
          itemStyle: { areaColor: dark ? "#0f172a" : "#f1f5f9", borderColor: dark ? "#334155" : "#cbd5e1", borderWidth: 0.5 },
          data: joined.data,
        },
      ],
    };
  }, [joined, dark]);
  return (
    <Panel
      id="map"
      title="Where the posts come from"
      subtitle={
        joined.unmatched.length
          ? `too small to draw: ${joined.unmatched.map((c) => `${flag(c)} ${c}`).join(" ")}`
          : "posts by nation (resolved from profile locations)"
      }
      loading={(counts.loading && !counts.data) || (!world && !error)}
      error={counts.error ?? error}
      empty={rows.length === 0}
      className="span-7"
      total={joined.data.reduce((a, d) => a + d.value, 0)}
    >
      {world ? (
        <Chart
          option={option}
          dark={dark}
          className="chart-map"
          label={`World map of posts by nation; most: ${rows.slice(0, 3).map((r) => `${r.country_name ?? r.country_code} ${r.posts}`).join(", ")}`}
          onClick={(p) => p.name && onSelect(p.name === selected ? undefined : p.name)}
        />
      ) : (
        <div className="chart chart-map" />
      )}
    </Panel>
  );
}

/** Nations ranked by posts, with flags; a row's button filters by that nation. */
export function NationsPanel({ counts, selected, onSelect }: Omit<Props, "dark">) {
  const rows = counts.data ?? [];
  const total = rows.reduce((a, r) => a + r.posts, 0);
  const top = rows[0]?.posts ?? 1;
  return (
    <Panel
      id="nations"
      title="Nations ranked"
      subtitle={rows.length ? `${fmtInt(rows.length)} nations` : undefined}
      loading={counts.loading && !counts.data}
      error={counts.error}
      empty={rows.length === 0}
      className="span-5"
      total={total}
    >
      <div className="scroll" tabIndex={0} aria-label="Nations ranked by posts">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Nation</th>
              <th scope="col" className="num">Posts</th>
              <th scope="col" className="num">Share</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => (
              <tr key={r.country_code} data-country={r.country_code} className={r.country_code === selected ? "selected" : ""}>
                <td className="num muted">{i + 1}</td>
                <td>
                  <button
                    type="button"
                    className="linkish"
                    aria-pressed={r.country_code === selected}
                    title={r.country_code === selected ? "Show every nation" : `Only posts from ${r.country_name ?? r.country_code}`}
                    onClick={() => onSelect(r.country_code === selected ? undefined : r.country_code)}
                  >
                    <span className="flag" aria-hidden="true">{flag(r.country_code)}</span> {r.country_name ?? r.country_code}
                  </button>
                </td>
                <td className="num">
                  <span className="bar" style={{ width: `${(60 * r.posts) / top}px` }} aria-hidden="true" />
                  {fmtInt(r.posts)}
                </td>
                <td className="num muted">{fmtPct(total ? r.posts / total : 0)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Panel>
  );
}
