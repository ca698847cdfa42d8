// The API's answers, as named types (generated from web/openapi.json: `npm run gen:api`).
import type { components, paths } from "./openapi";

type S = components["schemas"];
export type RecentPost = S["RecentPost"];
export type DayCount = S["DayCount"];
export type CountryCount = S["CountryCount"];
export type TimelinePoint = S["TimelinePoint"];
export type CountrySentiment = S["CountrySentiment"];
export type TeamSentiment = S["TeamSentiment"];
export type Stats = S["Stats"];
export type Overview = S["Overview"];
export type TopPoster = S["TopPoster"];
export type Facets = S["Facets"];
export type MatchInfo = S["MatchInfo"];
export type LiveTick = S["LiveTick"];
export type ErrorBody = S["ErrorBody"];

/** Paths of the API that answer JSON to GET. */
export type GetPath = {
  [P in keyof paths]: paths[P] extends { get: unknown } ? P : never;
}[keyof paths];

/** The JSON body of a 200 answer to GET ``P``. */
export type Answer<P extends GetPath> = paths[P] extends {
  get: { responses: { 200: { content: { "application/json": infer T } } } };
}
  ? T
  : never;
