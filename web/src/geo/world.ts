// The world map: world-atlas TopoJSON (ISO numeric ids) → GeoJSON keyed by ISO alpha-2, with
// the antimeridian fixed (Antarctica dropped; Russia's and Fiji's rings that jump from +180°
// to -180° unwrapped and clamped, or ECharts draws lines across the whole map).
import type { GeometryCollection, Topology } from "topojson-specification";
import { feature } from "topojson-client";
import { NAME_TO_ALPHA2, NUMERIC_TO_ALPHA2 } from "./isoNumeric";

export type Position = number[];
export type Ring = Position[];
export interface WorldFeature {
  type: "Feature";
  id?: string;
  properties: { iso: string; name: string };
  geometry: { type: "Polygon"; coordinates: Ring[] } | { type: "MultiPolygon"; coordinates: Ring[][] };
}
export interface World {
  type: "FeatureCollection";
  features: WorldFeature[];
}

const ANTARCTICA = "010";

/** ISO alpha-2 of a world-atlas feature (numeric id, or its name for the few without one). */
export function alpha2Of(id: string | number | undefined, name: string): string | undefined {
  if (id !== undefined && id !== null && id !== "") {
    const code = NUMERIC_TO_ALPHA2[String(id).padStart(3, "0")];
    if (code) return code;
  }
  return NAME_TO_ALPHA2[name];
}

/** A ring made continuous across ±180° (no step longer than 180°), then clamped to ±180°. */
export function fixRing(ring: Ring): Ring {
  const out: Ring = [];
  let shift = 0;
  let prev: number | undefined;
  for (const [lon, lat] of ring) {
    if (prev !== undefined) {
      const d = lon + shift - prev;
      if (d > 180) shift -= 360;
      else if (d < -180) shift += 360;
    }
    prev = lon + shift;
    out.push([Math.max(-180, Math.min(180, prev)), lat]);
  }
  return out;
}

/** The largest longitude step between consecutive points of any ring (a test helper). */
export function maxLonStep(f: WorldFeature): number {
  const polys = f.geometry.type === "Polygon" ? [f.geometry.coordinates] : f.geometry.coordinates;
  let max = 0;
  for (const poly of polys)
    for (const ring of poly)
      for (let i = 1; i < ring.length; i++) max = Math.max(max, Math.abs(ring[i][0] - ring[i - 1][0]));
  return max;
}

function fixFeature(f: WorldFeature): WorldFeature {
  const g = f.geometry;
  const geometry =
    g.type === "Polygon"
      ? { type: "Polygon" as const, coordinates: g.coordinates.map(fixRing) }
      : { type: "MultiPolygon" as const, coordinates: g.coordinates.map((p) => p.map(fixRing)) };
  return { ...f, geometry };
}

/** GeoJSON of the world from a world-atlas topology, each feature's ``properties.iso`` set. */
export function worldFromTopology(topo: Topology): World {
  const obj = topo.objects.countries as GeometryCollection<{ name: string }>;
  const fc = feature(topo, obj) as unknown as {
    features: { id?: string | number; properties: { name: string }; geometry: WorldFeature["geometry"] | null }[];
  };
  const features: WorldFeature[] = [];
  for (const f of fc.features) {
    if (String(f.id) === ANTARCTICA || !f.geometry) continue;
    const name = f.properties?.name ?? "";
    const iso = alpha2Of(f.id, name) ?? `?${name}`;
    features.push(
      fixFeature({ type: "Feature", id: iso, properties: { iso, name }, geometry: f.geometry }),
    );
  }
  return { type: "FeatureCollection", features };
}

export interface MapDatum {
  name: string; // ISO alpha-2: the feature's `iso` property
  value: number;
  label: string;
}

/** Join per-country counts (alpha-2) to the map's features; codes without a shape are
 * returned as ``unmatched`` (e.g. a small nation the 110m atlas leaves out). */
export function joinCounts(
  world: World,
  counts: readonly { country_code: string; country_name?: string | null; posts: number }[],
): { data: MapDatum[]; unmatched: string[] } {
  const shapes = new Set(world.features.map((f) => f.properties.iso));
  const data: MapDatum[] = [];
  const unmatched: string[] = [];
  for (const c of counts) {
    const code = c.country_code.toUpperCase();
    if (shapes.has(code)) data.push({ name: code, value: c.posts, label: c.country_name ?? code });
    else unmatched.push(code);
  }
  return { data, unmatched };
}

let cached: Promise<World> | null = null;

/** The world map, loaded once (a chunk of its own, fetched after the first paint). */
export function loadWorld(): Promise<World> {
  cached ??= import("world-atlas/countries-110m.json").then((m) =>
    worldFromTopology(m.default as unknown as Topology),
  );
  return cached;
}
