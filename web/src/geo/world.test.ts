import { describe, expect, it } from "vitest";
import type { Topology } from "topojson-specification";
import atlas from "world-atlas/countries-110m.json";
import { alpha2Of, fixRing, joinCounts, maxLonStep, worldFromTopology } from "./world";

const world = worldFromTopology(atlas as unknown as Topology);
const byIso = new Map(world.features.map((f) => [f.properties.iso, f]));

describe("world map", () => {
  it("maps ISO numeric ids (zero-padded or not) to alpha-2", () => {
    expect(alpha2Of("032", "Argentina")).toBe("AR");
    expect(alpha2Of(32, "Argentina")).toBe("AR");
    expect(alpha2Of("826", "United Kingdom")).toBe("GB");
    expect(alpha2Of(undefined, "Kosovo")).toBe("XK");
    expect(alpha2Of(undefined, "Somaliland")).toBeUndefined();
  });
  it("has the nations of the World Cup and no Antarctica", () => {
    for (const iso of ["AR", "FR", "HR", "MA", "GB", "US", "JP", "KR", "QA", "SA", "AU", "BR"]) {
      expect(byIso.has(iso), iso).toBe(true);
    }
    expect(world.features.some((f) => f.properties.name === "Antarctica")).toBe(false);
  });
  it("fixes the antimeridian: no ring jumps across the map", () => {
    for (const f of world.features) expect(maxLonStep(f), f.properties.name).toBeLessThan(180);
    expect(maxLonStep(byIso.get("RU")!)).toBeLessThan(180);
    expect(maxLonStep(byIso.get("FJ")!)).toBeLessThan(180);
  });
  it("unwraps and clamps a ring that crosses ±180°", () => {
    const ring = [
      [179, 65],
      [-179, 66],
      [-178, 65],
      [179, 65],
    ];
    const fixed = fixRing(ring);
    expect(fixed.map((p) => p[0])).toEqual([179, 180, 180, 179]);
  });
  it("joins counts by alpha-2 code and reports codes without a shape", () => {
    const { data, unmatched } = joinCounts(world, [
      { country_code: "AR", country_name: "Argentina", posts: 12 },
      { country_code: "fr", country_name: "France", posts: 7 },
      { country_code: "BH", country_name: "Bahrain", posts: 3 }, // too small for the 110m atlas
    ]);
    expect(data).toEqual([
      { name: "AR", value: 12, label: "Argentina" },
      { name: "FR", value: 7, label: "France" },
    ]);
    expect(unmatched).toEqual(["BH"]);
  });
});
