import { useEffect, useState } from "react";
import type { Facets } from "../api/types";
import { flag } from "../lib/format";
import { activeCount, fromLocalInput, toLocalInput, type Filters } from "../state/filters";
import type { Resource } from "../state/useApi";

interface Props {
  filters: Filters;
  facets: Resource<Facets>;
  setFilters: (patch: Partial<Filters>) => void;
  clear: () => void;
}

/** Date/time range (UTC), nation, team, keyword/hashtag and language; kept in the URL. */
export function FiltersBar({ filters, facets, setFilters, clear }: Props) {
  const [keyword, setKeyword] = useState(filters.keyword ?? "");
  useEffect(() => setKeyword(filters.keyword ?? ""), [filters.keyword]);
  const f = facets.data;
  const countries = f?.countries ?? [];
  const teams = f?.teams ?? [];
  const langs = f?.langs ?? [];
  // a value from the URL stays selectable even before the facets list it
  const withCurrent = (list: string[], v?: string) => (v && !list.includes(v) ? [v, ...list] : list);

  return (
    <form
      className="filters"
      role="search"
      aria-label="Filters"
      onSubmit={(e) => {
        e.preventDefault();
        setFilters({ keyword: keyword.trim().replace(/^#+/, "") || undefined });
      }}
    >
      <label>
        <span>From (UTC)</span>
        <input
          type="datetime-local"
          name="since"
          value={toLocalInput(filters.since)}
          onChange={(e) => setFilters({ since: fromLocalInput(e.target.value) })}
        />
      </label>
      <label>
        <span>To (UTC)</span>
        <input
          type="datetime-local"
          name="until"
          value={toLocalInput(filters.until)}
          onChange={(e) => setFilters({ until: fromLocalInput(e.target.value) })}
        />
      </label>
      <label>
        <span>Nation</span>
        <select name="country" value={filters.country ?? ""} onChange={(e) => setFilters({ country: e.target.value || undefined })}>
          <option value="">All nations</option>
          {filters.country && !countries.some((c) => c.country_code === filters.country) ? (
            <option value={filters.country}>{flag(filters.country)} {filters.country}</option>
          ) : null}
          {countries.map((c) => (
            <option key={c.country_code} value={c.country_code}>
              {flag(c.country_code)} {c.country_name ?? c.country_code}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span>Team</span>
        <select name="team" value={filters.team ?? ""} onChange={(e) => setFilters({ team: e.target.value || undefined })}>
          <option value="">All teams</option>
          {withCurrent(teams, filters.team).map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
      </label>
      <label className="grow">
        <span>Keyword or #hashtag</span>
        <input
          type="search"
          name="keyword"
          placeholder="e.g. messi, #VamosArgentina"
          value={keyword}
          onChange={(e) => setKeyword(e.target.value)}
          onBlur={() => {
            const v = keyword.trim().replace(/^#+/, "") || undefined;
            if (v !== filters.keyword) setFilters({ keyword: v });
          }}
        />
      </label>
      <label>
        <span>Language</span>
        <select name="lang" value={filters.lang ?? ""} onChange={(e) => setFilters({ lang: e.target.value || undefined })}>
          <option value="">All</option>
          {withCurrent(langs, filters.lang).map((l) => (
            <option key={l} value={l}>
              {l}
            </option>
          ))}
        </select>
      </label>
      <div className="filter-actions">
        <button type="submit" className="btn">
          Apply
        </button>
        <button type="button" className="btn ghost" onClick={clear} disabled={activeCount(filters) === 0}>
          Clear{activeCount(filters) ? ` (${activeCount(filters)})` : ""}
        </button>
      </div>
      {facets.error ? (
        <p className="inline-error" role="alert">
          Filter choices could not load: {facets.error}
        </p>
      ) : null}
    </form>
  );
}
