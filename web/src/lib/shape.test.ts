import { describe, expect, it } from "vitest";
import type { MatchInfo } from "../api/types";
import { busiestDay, chooseBucket, matchLabel, matchesInRange, postsPerMinute } from "./shape";
import { flag, splitText, tone } from "./format";

describe("busiestDay", () => {
  it("finds the day with most posts", () => {
    const days = [
      { day: "2022-12-16", posts: 10 },
      { day: "2022-12-18", posts: 90 },
      { day: "2022-12-17", posts: 40 },
    ];
    expect(busiestDay(days)).toEqual({ day: "2022-12-18", posts: 90 });
  });
  it("takes the earliest of equal days, and nothing from no data", () => {
    expect(busiestDay([{ day: "2022-12-19", posts: 5 }, { day: "2022-12-18", posts: 5 }])?.day).toBe(
      "2022-12-18",
    );
    expect(busiestDay([])).toBeNull();
    expect(busiestDay([{ day: "2022-12-18", posts: 0 }])).toBeNull();
  });
});

describe("timeline shaping", () => {
  it("uses minutes up to two days, hours beyond", () => {
    expect(chooseBucket("2022-12-17T00:00:00Z", "2022-12-18T23:59:00Z")).toBe("minute");
    expect(chooseBucket("2022-11-20T00:00:00Z", "2022-12-18T23:59:00Z")).toBe("hour");
    expect(chooseBucket(null, null)).toBe("minute");
  });
  it("averages the last complete minutes", () => {
    const pts = Array.from({ length: 12 }, (_, i) => ({
      ts: new Date(Date.UTC(2022, 11, 18, 15, i)).toISOString(),
      posts: i === 11 ? 1 : 6,
    }));
    expect(postsPerMinute(pts, 10)).toBe(6);
    expect(postsPerMinute([])).toBe(0);
  });
  const m = {
    number: 64,
    stage: "Final",
    home: "Argentina",
    away: "France",
    home_code: "ARG",
    away_code: "FRA",
    home_score: 3,
    away_score: 3,
    shootout: [4, 2],
    kickoff: "2022-12-18T15:00:00Z",
    end: "2022-12-18T17:47:00Z",
    goals: [],
  } as MatchInfo;
  it("labels a match with its score and shoot-out", () => {
    expect(matchLabel(m)).toBe("ARG 3–3 FRA (4–2 p)");
  });
  it("keeps the matches overlapping the range", () => {
    expect(matchesInRange([m], "2022-12-18T17:00:00Z", "2022-12-19T00:00:00Z")).toHaveLength(1);
    expect(matchesInRange([m], "2022-12-18T18:00:00Z")).toHaveLength(0);
    expect(matchesInRange([m], undefined, "2022-12-18T14:00:00Z")).toHaveLength(0);
  });
});

describe("formatting", () => {
  it("turns ISO codes into flags", () => {
    expect(flag("AR")).toBe("🇦🇷");
    expect(flag("gb")).toBe("🇬🇧");
    expect(flag(null)).toBe("");
    expect(flag("ARG")).toBe("");
  });
  it("splits hashtags, mentions and links out of text", () => {
    const parts = splitText("Vamos #ARG! @Messi is 🐐 https://x.co/a #Campeones");
    expect(parts.filter((p) => p.kind === "hashtag").map((p) => p.value)).toEqual(["#ARG", "#Campeones"]);
    expect(parts.filter((p) => p.kind === "mention").map((p) => p.value)).toEqual(["@Messi"]);
    expect(parts.map((p) => p.value).join("")).toBe("Vamos #ARG! @Messi is 🐐 https://x.co/a #Campeones");
  });
  it("names the sentiment tone", () => {
    expect([tone(0.6), tone(0), tone(-0.4)]).toEqual(["pos", "neu", "neg"]);
  });
});
