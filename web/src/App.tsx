import { useCallback } from "react";
import { FiltersBar } from "./components/FiltersBar";
import { Headline } from "./components/Headline";
import { MapPanel, NationsPanel } from "./components/MapPanel";
import { PerDayPanel } from "./components/PerDayPanel";
import { PostsPanel } from "./components/PostsPanel";
import { NationSentimentPanel, TeamSentimentPanel } from "./components/SentimentPanels";
import { TimelinePanel } from "./components/TimelinePanel";
import { TopPostersPanel } from "./components/TopPostersPanel";
import { fmtDateTime, fmtInt } from "./lib/format";
import { chooseBucket } from "./lib/shape";
import { useApi, useLive, useThrottledVersion, type LiveState } from "./state/useApi";
import { useUrlFilters } from "./state/useFilters";
import { useTheme } from "./state/useTheme";

const REFRESH_MS = 2000; // at most one refresh of the panels per this, however fast the stream
const RATE_WINDOW_MS = 11 * 60_000;

const LIVE_TEXT: Record<LiveState, string> = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  polling: "Live (polling)",
};

function minIso(a?: string | null, b?: string | null): string | undefined {
  if (!a) return b ?? undefined;
  if (!b) return a;
  return a < b ? a : b;
}

export function App() {
  const [filters, setFilters, clear] = useUrlFilters();
  const [theme, toggleTheme] = useTheme();
  const dark = theme === "dark";
  const live = useLive();
  const version = useThrottledVersion(live.tick?.posts ?? null, REFRESH_MS);
  const stats = useApi("/api/v1/stats", {}, version);
  const last = live.tick?.last_created_at ?? stats.data?.last_created_at;

  // the timeline's grain follows the range shown: minutes up to two days (goal spikes), else hours
  const from = filters.since ?? stats.data?.first_created_at;
  const to = minIso(filters.until, last);
  const bucket = chooseBucket(from, to);
  const ready = stats.data !== undefined || Boolean(filters.since && filters.until);

  // "posts a minute now": the minute timeline of the last few minutes of what is shown
  const end = to ? new Date(to).getTime() : undefined;
  const rateSince =
    end !== undefined
      ? new Date(Math.max(end - RATE_WINDOW_MS, filters.since ? new Date(filters.since).getTime() : 0)).toISOString()
      : undefined;

  const overview = useApi("/api/v1/overview", { ...filters }, version);
  const recentRate = useApi(
    rateSince ? "/api/v1/timeline" : null,
    { ...filters, since: rateSince, bucket: "minute" },
    version,
  );
  const timeline = useApi(ready ? "/api/v1/timeline" : null, { ...filters, bucket }, version);
  // the schedule rarely changes: refetched now and then (and so after a failed first try)
  const matches = useApi(
    "/api/v1/matches",
    { since: filters.since, until: filters.until, team: filters.team },
    Math.floor(version / 15),
  );
  const days = useApi("/api/v1/counts/day", { ...filters }, version);
  const countries = useApi("/api/v1/counts/country", { ...filters }, version);
  const posts = useApi("/api/v1/posts/recent", { ...filters, limit: 12 }, version);
  const teamSentiment = useApi("/api/v1/sentiment/team", { ...filters }, version);
  const nationSentiment = useApi("/api/v1/sentiment/country", { ...filters, limit: 20 }, version);
  const topPosters = useApi("/api/v1/top-posters", { ...filters, limit: 60 }, version);
  const facets = useApi("/api/v1/facets", {}, Math.floor(version / 5));

  const selectCountry = useCallback((code?: string) => setFilters({ country: code }), [setFilters]);

  return (
    <>
      <a className="skip" href="#main">
        Skip to the dashboard
      </a>
      <header className="top">
        <div className="brand">
          <span className="logo" aria-hidden="true">⚽</span>
          <div>
            <h1>hubbub</h1>
            <p className="tagline">What are World Cup fans saying, where, and how do they feel?</p>
          </div>
        </div>
        <div className="top-right">
          <p className={`live live-${live.state}`} role="status" data-live={live.state}>
            <span className="dot" aria-hidden="true" /> {LIVE_TEXT[live.state]}
            {live.tick ? (
              <span className="muted">
                {" "}
                · {fmtInt(live.tick.posts)} stored{last ? ` · up to ${fmtDateTime(last)}` : ""}
              </span>
            ) : null}
          </p>
          <button type="button" className="btn ghost" onClick={toggleTheme} aria-label={`Switch to ${dark ? "light" : "dark"} mode`}>
            {dark ? "☀️ Light" : "🌙 Dark"}
          </button>
        </div>
      </header>
      <FiltersBar filters={filters} facets={facets} setFilters={setFilters} clear={clear} />
      {stats.error ? (
        <p className="banner error" role="alert">
          The API is not answering: {stats.error}. Retrying with the next update.
        </p>
      ) : null}
      <main id="main" className="grid">
        <Headline overview={overview} recent={recentRate} />
        <TimelinePanel timeline={timeline} matches={matches} bucket={bucket} dark={dark} />
        <MapPanel counts={countries} dark={dark} selected={filters.country} onSelect={selectCountry} />
        <NationsPanel counts={countries} selected={filters.country} onSelect={selectCountry} />
        <PerDayPanel days={days} dark={dark} />
        <PostsPanel posts={posts} newest={last} onTag={(tag) => setFilters({ keyword: tag })} />
        <TeamSentimentPanel data={teamSentiment} dark={dark} />
        <NationSentimentPanel data={nationSentiment} dark={dark} />
        <TopPostersPanel data={topPosters} />
      </main>
      <footer className="foot">
        hubbub · data from the stream's store ·{" "}
        <a href="/docs">API docs</a> · times in UTC
      </footer>
    </>
  );
}
