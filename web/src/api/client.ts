// A small typed client for the API: GET a path with query parameters, JSON back, errors
// turned into messages a person can act on (the API's `detail` and `hint`).
import type { Answer, GetPath } from "./types";

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export type Query = Record<string, string | number | undefined | null>;

export function url(path: string, query: Query = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

export async function get<P extends GetPath>(
  path: P,
  query: Query = {},
  signal?: AbortSignal,
): Promise<Answer<P>> {
  let res: Response;
  try {
    res = await fetch(url(path, query), { signal, headers: { Accept: "application/json" } });
  } catch (e) {
    if ((e as Error).name === "AbortError") throw e;
    throw new ApiError("cannot reach the hubbub API — is `hubbub up` running?", 0);
  }
  if (!res.ok) {
    let detail = `${res.status} ${res.statusText}`;
    try {
      const body = (await res.json()) as { detail?: string; hint?: string };
      if (body.detail) detail = body.hint ? `${body.detail} (${body.hint})` : body.detail;
    } catch {
      /* not JSON */
    }
    throw new ApiError(detail, res.status);
  }
  return (await res.json()) as Answer<P>;
}
