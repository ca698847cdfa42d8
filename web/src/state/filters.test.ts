import { describe, expect, it } from "vitest";
import { filtersToSearch, fromLocalInput, parseFilters, toLocalInput } from "./filters";

describe("filters ⇄ URL", () => {
  it("round-trips every filter", () => {
    const f = {
      since: "2022-12-18T00:00:00Z",
      until: "2022-12-19T00:00:00Z",
      country: "AR",
      team: "Argentina",
      keyword: "messi",
      lang: "es",
    };
    const s = filtersToSearch(f);
    expect(s).toBe(
      "?since=2022-12-18T00%3A00%3A00Z&until=2022-12-19T00%3A00%3A00Z&country=AR&team=Argentina&keyword=messi&lang=es",
    );
    expect(parseFilters(s)).toEqual(f);
  });
  it("is empty without filters", () => {
    expect(filtersToSearch({})).toBe("");
    expect(parseFilters("")).toEqual({});
  });
  it("normalises and drops bad values", () => {
    expect(parseFilters("?country=ar&keyword=%23Messi&since=yesterday&lang=")).toEqual({
      country: "AR",
      keyword: "Messi",
    });
    expect(parseFilters("?country=ARG")).toEqual({});
    // a range that ends before it starts keeps only its start
    expect(parseFilters("?since=2022-12-19T00:00Z&until=2022-12-18T00:00Z")).toEqual({
      since: "2022-12-19T00:00Z",
    });
  });
  it("maps datetime-local inputs (UTC) to ISO and back", () => {
    expect(fromLocalInput("2022-12-18T15:30")).toBe("2022-12-18T15:30:00Z");
    expect(toLocalInput("2022-12-18T15:30:00Z")).toBe("2022-12-18T15:30");
    expect(fromLocalInput("")).toBeUndefined();
  });
});
