import type { TopPoster } from "../api/types";
import { flag, fmtInt, fmtPct } from "../lib/format";
import type { Resource } from "../state/useApi";
import { Avatar } from "./Avatar";
import { Panel } from "./Panel";

/** The original's dbt table, improved: each nation's most frequent poster. */
export function TopPostersPanel({ data }: { data: Resource<TopPoster[]> }) {
  const rows = data.data ?? [];
  return (
    <Panel
      id="top-posters"
      title="Most frequent poster per nation"
      subtitle="who posts most from each nation, and their share of its posts"
      loading={data.loading && !data.data}
      error={data.error}
      empty={rows.length === 0}
      total={rows.reduce((a, r) => a + r.country_posts, 0)}
      className="span-12"
    >
      <div className="scroll" tabIndex={0} aria-label="Most frequent poster per nation">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Nation</th>
              <th scope="col">Top poster</th>
              <th scope="col" className="num">Their posts</th>
              <th scope="col" className="num">Nation's posts</th>
              <th scope="col" className="num">Share</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.country_code} data-country={r.country_code}>
                <td>
                  <span className="flag" aria-hidden="true">{flag(r.country_code)}</span> {r.country_name ?? r.country_code}
                </td>
                <td>
                  <span className="poster">
                    <Avatar src={r.profile_image_url} name={r.name || r.username || "?"} size={24} />
                    <span>
                      <span className="name">{r.name}</span> <span className="handle">@{r.username}</span>
                    </span>
                  </span>
                </td>
                <td className="num">{fmtInt(r.posts)}</td>
                <td className="num muted">{fmtInt(r.country_posts)}</td>
                <td className="num muted">{fmtPct(r.share)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Panel>
  );
}
