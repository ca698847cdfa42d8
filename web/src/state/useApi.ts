// Data hooks: one resource per panel (keeps showing its last answer while it refreshes),
// and the live feed (server-sent events, with polling as the fallback).
import { useEffect, useRef, useState } from "react";
import { get, type Query } from "../api/client";
import type { Answer, GetPath, LiveTick } from "../api/types";

export interface Resource<T> {
  data?: T;
  error?: string;
  loading: boolean;
}

/** GET ``path`` with ``query``; refetched when the query or ``version`` changes. */
export function useApi<P extends GetPath>(
  path: P | null,
  query: Query,
  version: number,
): Resource<Answer<P>> {
  const [state, setState] = useState<Resource<Answer<P>>>({ loading: true });
  const key = path === null ? null : JSON.stringify([path, query]);
  const lastKey = useRef<string | null>(null);

  useEffect(() => {
    if (path === null || key === null) return;
    const ctrl = new AbortController();
    const fresh = lastKey.current !== key;
    lastKey.current = key;
    setState((s) => ({ ...s, loading: true, ...(fresh ? { error: undefined } : {}) }));
    get(path, JSON.parse(key)[1] as Query, ctrl.signal)
      .then((data) => setState({ data, loading: false }))
      .catch((e: Error) => {
        if (e.name !== "AbortError") setState((s) => ({ ...s, loading: false, error: e.message }));
      });
    return () => ctrl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, version]);
  return state;
}

export type LiveState = "connecting" | "live" | "reconnecting" | "polling";

const STALL_MS = 12_000; // the server pings every 5 s: this long without a message = stalled
const POLL_MS = 3_000;

/** The store's totals, pushed by /api/v1/live. Without EventSource, or while the stream is
 * stalled or reconnecting, /stats is polled instead; a stalled stream is reopened. */
export function useLive(): { tick: LiveTick | null; state: LiveState } {
  const [tick, setTick] = useState<LiveTick | null>(null);
  const [state, setState] = useState<LiveState>("connecting");

  useEffect(() => {
    let es: EventSource | null = null;
    let lastMessage = Date.now();
    const update = (t: LiveTick) =>
      setTick((prev: LiveTick | null) =>
        prev && prev.posts === t.posts && prev.last_created_at === t.last_created_at ? prev : t,
      );
    const poll = () =>
      get("/api/v1/stats")
        .then(update)
        .catch(() => undefined);
    const open = () => {
      es?.close();
      lastMessage = Date.now();
      es = new EventSource("/api/v1/live");
      es.addEventListener("open", () => setState("live"));
      es.addEventListener("error", () => setState("reconnecting"));
      es.addEventListener("ping", () => {
        lastMessage = Date.now();
      });
      es.addEventListener("tick", (ev) => {
        lastMessage = Date.now();
        setState("live");
        update(JSON.parse((ev as MessageEvent<string>).data) as LiveTick);
      });
    };
    if (typeof EventSource === "undefined") {
      setState("polling");
      poll();
    } else {
      open();
    }
    const timer = setInterval(() => {
      if (es === null) {
        poll();
      } else if (Date.now() - lastMessage > STALL_MS) {
        setState("reconnecting");
        poll();
        open();
      } else if (es.readyState !== EventSource.OPEN) {
        poll();
      }
    }, POLL_MS);
    return () => {
      clearInterval(timer);
      es?.close();
    };
  }, []);
  return { tick, state };
}

/** A counter that follows ``value``'s changes at most once per ``ms`` (the trailing change
 * is never lost), so a fast stream does not refetch every panel every second. */
export function useThrottledVersion(value: unknown, ms: number): number {
  const [version, setVersion] = useState(0);
  const last = useRef<number | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => {
    if (last.current === null) {
      last.current = Date.now(); // the first render fetches already: no refresh yet
      return;
    }
    const wait = last.current + ms - Date.now();
    const bump = () => {
      last.current = Date.now();
      timer.current = null;
      setVersion((v) => v + 1);
    };
    if (wait <= 0) bump();
    else if (timer.current === null) timer.current = setTimeout(bump, wait);
  }, [value, ms]);
  useEffect(() => () => {
    if (timer.current) clearTimeout(timer.current);
  }, []);
  return version;
}
