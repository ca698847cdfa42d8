// The dashboard's filters, kept in the URL so a view can be shared. The URL uses the API's
// own parameter names, so a filtered view's query string is also the API's.

export interface Filters {
  since?: string; // ISO 8601 UTC, e.g. 2022-12-18T15:00:00Z
  until?: string;
  country?: string; // ISO 3166-1 alpha-2, upper-case
  team?: string;
  keyword?: string; // without '#'
  lang?: string;
}

export const FILTER_KEYS = ["since", "until", "country", "team", "keyword", "lang"] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z$/;

function clean(key: FilterKey, raw: string | null): string | undefined {
  const v = (raw ?? "").trim();
  if (!v) return undefined;
  switch (key) {
    case "since":
    case "until":
      return ISO_UTC.test(v) ? v : undefined;
    case "country":
      return /^[A-Za-z]{2}$/.test(v) ? v.toUpperCase() : undefined;
    case "keyword":
      return v.replace(/^#+/, "").slice(0, 100) || undefined;
    default:
      return v.slice(0, 64);
  }
}

/** Filters from a query string (``location.search``); unknown or malformed values are dropped. */
export function parseFilters(search: string): Filters {
  const q = new URLSearchParams(search);
  const f: Filters = {};
  for (const k of FILTER_KEYS) {
    const v = clean(k, q.get(k));
    if (v !== undefined) f[k] = v;
  }
  if (f.since && f.until && f.since >= f.until) delete f.until;
  return f;
}

/** The query string for ``f`` (stable key order, empty when there is no filter). */
export function filtersToSearch(f: Filters): string {
  const q = new URLSearchParams();
  for (const k of FILTER_KEYS) {
    const v = f[k];
    if (v) q.set(k, v);
  }
  const s = q.toString();
  return s ? `?${s}` : "";
}

export function activeCount(f: Filters): number {
  return FILTER_KEYS.filter((k) => f[k]).length;
}

/** ``datetime-local`` input value (UTC wall time) ⇄ ISO 8601 UTC. */
export function toLocalInput(iso?: string): string {
  return iso ? iso.slice(0, 16) : "";
}
export function fromLocalInput(v: string): string | undefined {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(v) ? `${v}:00Z` : undefined;
}
