import type { Overview, TimelinePoint } from "../api/types";
import { fmtInt, fmtPct } from "../lib/format";
import { postsPerMinute, share } from "../lib/shape";
import type { Resource } from "../state/useApi";

interface Props {
  overview: Resource<Overview>;
  recent: Resource<TimelinePoint[]>;
}

function Tile({ id, label, value, hint, tone }: { id: string; label: string; value: string; hint?: string; tone?: string }) {
  return (
    <div className={`tile ${tone ?? ""}`} data-stat={id}>
      <dt>{label}</dt>
      <dd>
        <span className="tile-value">{value}</span>
        {hint ? <span className="tile-hint">{hint}</span> : null}
      </dd>
    </div>
  );
}

/** Headline numbers: posts so far, posts a minute now, nations seen, positive/negative share. */
export function Headline({ overview, recent }: Props) {
  const o = overview.data;
  const dash = overview.loading && !o ? "…" : "–";
  const rate = recent.data ? postsPerMinute(recent.data) : undefined;
  return (
    <section className="headline" aria-label="Headline numbers" data-panel="headline" data-total={o?.posts} data-state={o ? "ready" : overview.error ? "error" : "loading"}>
      {overview.error ? (
        <p className="inline-error" role="alert">
          Could not load the totals: {overview.error}
        </p>
      ) : null}
      <dl>
        <Tile id="posts" label="Posts so far" value={o ? fmtInt(o.posts) : dash} />
        <Tile
          id="rate"
          label="Posts / min now"
          value={rate !== undefined ? fmtInt(Math.round(rate)) : dash}
          hint="last 10 min of the stream"
        />
        <Tile id="nations" label="Nations seen" value={o ? fmtInt(o.countries) : dash} />
        <Tile id="positive" label="Positive" value={o ? fmtPct(share(o.positive, o.posts)) : dash} tone="pos" />
        <Tile id="negative" label="Negative" value={o ? fmtPct(share(o.negative, o.posts)) : dash} tone="neg" />
      </dl>
    </section>
  );
}
