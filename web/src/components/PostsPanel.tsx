import type { RecentPost } from "../api/types";
import { flag, fmtDateTime, relTime, splitText, tone } from "../lib/format";
import type { Resource } from "../state/useApi";
import { Avatar } from "./Avatar";
import { Panel } from "./Panel";

function PostText({ text, onTag }: { text: string; onTag: (tag: string) => void }) {
  return (
    <p className="post-text">
      {splitText(text).map((p, i) =>
        p.kind === "text" ? (
          p.value
        ) : p.kind === "hashtag" ? (
          <button key={i} type="button" className="tag" title={`Only posts with ${p.value}`} onClick={() => onTag(p.value.slice(1))}>
            {p.value}
          </button>
        ) : (
          <mark key={i} className={p.kind}>
            {p.value}
          </mark>
        ),
      )}
    </p>
  );
}

function Card({ post, now, onTag }: { post: RecentPost; now: number; onTag: (tag: string) => void }) {
  const t = tone(post.sentiment_compound);
  const user = post.username ?? "unknown";
  return (
    <article className={`card tone-${t}`} data-post-id={post.id} aria-label={`Post by @${user}`}>
      <header className="card-head">
        <Avatar src={post.profile_image_url} name={post.name || user} />
        <div className="who">
          <span className="name">
            {post.name || user}
            {post.verified ? <span className="verified" title="verified">✓</span> : null}
          </span>
          <span className="handle">@{user}</span>
        </div>
        <time dateTime={post.created_at} title={fmtDateTime(post.created_at)}>
          {relTime(post.created_at, now)}
        </time>
      </header>
      <PostText text={post.text} onTag={onTag} />
      <footer className="card-foot">
        {post.location ? (
          <span className="where" title={post.country_name ? `resolved to ${post.country_name}` : "location not resolved"}>
            <span aria-hidden="true">📍</span> {post.location}
            {post.country_code ? (
              <span className="flag" role="img" aria-label={post.country_name ?? post.country_code}>
                {" "}
                {flag(post.country_code)}
              </span>
            ) : null}
          </span>
        ) : (
          <span className="where muted">no location</span>
        )}
        <span className={`sentiment tone-${t}`} title={`VADER compound ${post.sentiment_compound.toFixed(2)}`}>
          {post.sentiment_label} {post.sentiment_compound > 0 ? "+" : ""}
          {post.sentiment_compound.toFixed(2)}
        </span>
      </footer>
    </article>
  );
}

/** "What are the fans saying?": the newest posts as cards. */
interface Props {
  posts: Resource<RecentPost[]>;
  newest?: string | null;
  onTag: (tag: string) => void; // a hashtag was clicked: filter by it
}

export function PostsPanel({ posts, newest, onTag }: Props) {
  const list = posts.data ?? [];
  const now = newest ? new Date(newest).getTime() : list[0] ? new Date(list[0].created_at).getTime() : Date.now();
  return (
    <Panel
      id="posts"
      title="What are the fans saying?"
      subtitle="the newest posts (times relative to the newest one); click a #hashtag to filter by it"
      loading={posts.loading && !posts.data}
      error={posts.error}
      empty={list.length === 0}
      total={list.length}
      className="span-7"
    >
      <div className="cards">
        {list.map((p) => (
          <Card key={p.id} post={p} now={now} onTag={onTag} />
        ))}
      </div>
    </Panel>
  );
}
