// Charts load after the first paint: ECharts is most of the page's weight, and the headline
// numbers, tables and cards need none of it. The placeholder has the chart's size (no shift).
import { lazy, Suspense } from "react";
import type { ChartProps } from "./Chart";

const Chart = lazy(() => import("./Chart").then((m) => ({ default: m.Chart })));

export function LazyChart(props: ChartProps) {
  const placeholder = <div className={`chart ${props.className ?? ""}`} role="img" aria-label={props.label} />;
  return (
    <Suspense fallback={placeholder}>
      <Chart {...props} />
    </Suspense>
  );
}
