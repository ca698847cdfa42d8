// A dashboard panel: title, and its loading / empty / error states in place (same size, so
// nothing moves when data arrives).
import type { ReactNode } from "react";

interface Props {
  id: string;
  title: string;
  subtitle?: ReactNode;
  loading: boolean; // no answer yet (a refresh keeps showing the last answer)
  error?: string;
  empty: boolean;
  emptyText?: string;
  className?: string;
  /** posts behind what the panel shows (``data-total``: lets tests compare with the API) */
  total?: number;
  children: ReactNode;
}

export function Panel(props: Props) {
  const { id, title, subtitle, loading, error, empty, emptyText, className, total, children } = props;
  const state = error ? "error" : loading && empty ? "loading" : empty ? "empty" : "ready";
  return (
    <section
      className={`panel ${className ?? ""}`}
      aria-labelledby={`${id}-title`}
      aria-busy={loading}
      data-panel={id}
      data-state={state}
      data-total={total}
    >
      <header className="panel-head">
        <h2 id={`${id}-title`}>{title}</h2>
        {subtitle ? <p className="panel-sub">{subtitle}</p> : null}
      </header>
      <div className="panel-body">
        {children}
        {state === "loading" ? (
          <div className="overlay skeleton" role="status">
            Loading…
          </div>
        ) : state === "empty" ? (
          <div className="overlay" role="status">
            {emptyText ?? "No posts match these filters yet."}
          </div>
        ) : state === "error" ? (
          <div className="overlay error" role="alert">
            <strong>Could not load this panel.</strong> {error}
          </div>
        ) : null}
      </div>
    </section>
  );
}
