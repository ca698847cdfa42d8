import type { Filters } from "../state/filters";

/** What every panel gets: the filters (also the API query), a refresh counter and the theme. */
export interface PanelProps {
  filters: Filters;
  version: number;
  dark: boolean;
  setFilters: (patch: Partial<Filters>) => void;
}

export const query = (f: Filters): Record<string, string | undefined> => ({ ...f });

/** Colours shared by charts and CSS (sentiment tones, the brand accent). */
export const COLORS = {
  accent: "#2563eb",
  busiest: "#f59e0b",
  pos: "#16a34a",
  neg: "#dc2626",
  neu: "#94a3b8",
  mapLow: ["#dbeafe", "#60a5fa", "#1d4ed8"],
  mapLowDark: ["#1e293b", "#1d4ed8", "#93c5fd"],
};

/** Axis/label colours for the current theme. */
export const ink = (dark: boolean) => ({
  text: dark ? "#cbd5e1" : "#334155",
  faint: dark ? "#334155" : "#e2e8f0",
});
