// An ECharts canvas (loaded after the first paint: see LazyChart) that fills its box (fixed height: no layout shift when data arrives),
// follows the light/dark theme and resizes with its container.
import { useEffect, useRef } from "react";
import { BarChart, LineChart, MapChart } from "echarts/charts";
import {
  AriaComponent,
  DataZoomComponent,
  GridComponent,
  MarkAreaComponent,
  MarkLineComponent,
  MarkPointComponent,
  TooltipComponent,
  VisualMapComponent,
} from "echarts/components";
import * as echarts from "echarts/core";
import type { EChartsCoreOption } from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";

echarts.use([
  BarChart,
  LineChart,
  MapChart,
  AriaComponent,
  DataZoomComponent,
  GridComponent,
  MarkAreaComponent,
  MarkLineComponent,
  MarkPointComponent,
  TooltipComponent,
  VisualMapComponent,
  CanvasRenderer,
]);

/** Make a map (GeoJSON) drawable by name, e.g. ``registerMap("world", geojson)``. */
export function registerMap(name: string, geoJson: object): void {
  echarts.registerMap(name, geoJson as Parameters<typeof echarts.registerMap>[1]);
}

export interface ChartProps {
  option: EChartsCoreOption;
  dark: boolean;
  label: string; // what the chart shows, for screen readers
  className?: string;
  onClick?: (params: { name?: string; data?: unknown }) => void;
}

export function Chart({ option, dark, label, className, onClick }: ChartProps) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  const click = useRef(onClick);
  click.current = onClick;

  useEffect(() => {
    const node = el.current;
    if (!node) return;
    const c = echarts.init(node, dark ? "dark" : undefined, { renderer: "canvas" });
    chart.current = c;
    c.on("click", (p) => click.current?.(p as { name?: string; data?: unknown }));
    const ro = new ResizeObserver(() => c.resize());
    ro.observe(node);
    return () => {
      ro.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, [dark]);

  useEffect(() => {
    chart.current?.setOption(
      { backgroundColor: "transparent", aria: { enabled: true }, animation: false, ...option },
      { replaceMerge: ["series", "xAxis", "yAxis", "visualMap"] },
    );
  }, [option, dark]);

  return <div ref={el} className={`chart ${className ?? ""}`} role="img" aria-label={label} />;
}
