import { describe, expect, it } from "vitest";
import { runStarts, type FailureCause } from "../../collector/sla/causes.js";
import { computeMonth } from "../../collector/sla/engine.js";
import { overlapping } from "../../collector/sla/incident-services.js";
import type { EngineInput } from "../../collector/sla/timeline.js";
import { DAY, HOUR, MIN, NOV, during, novemberInput, setup } from "./fixtures.js";

/**
 * Issue 10: incidents say what broke (services, the vantage points that confirmed them, the first
 * error code and stage, each service's start and end), force majeure excuses only the time inside
 * its span, and an annotation survives a late result that moves its incident's start.
 */

const T = NOV + 10 * DAY; // 2026-11-11 00:00 Shanghai
const ID = "north@2026-11-10T16:00:00.000Z";

/** north (600k of 1M) served by imap and pop3 (a, b, c each minute) and smtp. */
const s = setup({
  services: [
    { name: "imap", intervalMs: MIN },
    { name: "pop3", intervalMs: MIN },
    { name: "smtp", intervalMs: MIN },
  ],
});

/** imap down T..T+60 from a, b (c fine); pop3 T+10..T+40 from a, b, c; smtp never. */
function outage(): EngineInput {
  return novemberInput(s, (svc, v) => {
    if (svc.name === "imap") return v === "c" ? () => false : during([T, T + 60 * MIN]);
    if (svc.name === "pop3") return during([T + 10 * MIN, T + 40 * MIN]);
    return () => false;
  });
}

/** The causes a collector would look up: each run start with a code per service. */
function causesOf(input: EngineInput): FailureCause[] {
  return runStarts(input).map((r) => ({
    ...r,
    code: r.service === "imap" ? "connect" : "timeout",
    stage: r.service === "imap" ? "connect" : "greeting",
  }));
}

describe("incidents name what broke", () => {
  it("run starts are the first failed result of each failing run, one per run", () => {
    const starts = runStarts(outage());
    expect(starts.filter((r) => r.service === "imap")).toEqual([
      { service: "imap", vantage: "a", at: T },
      { service: "imap", vantage: "b", at: T },
    ]);
    expect(starts.filter((r) => r.service === "pop3").map((r) => [r.vantage, r.at])).toEqual([
      ["a", T + 10 * MIN],
      ["b", T + 10 * MIN],
      ["c", T + 10 * MIN],
    ]);
  });

  it("an incident lists its services with vantage points, first code and stage, start and end", () => {
    const input = outage();
    const r = computeMonth({ ...input, causes: causesOf(input) }, "2026-11");
    expect(r.incidents).toHaveLength(1);
    const [incident] = r.incidents;
    expect(incident).toMatchObject({ id: ID, start: T, end: T + 60 * MIN });
    expect(incident!.services).toEqual([
      {
        service: "imap",
        start: T,
        end: T + 60 * MIN,
        minutes: 60,
        code: "connect",
        stage: "connect",
        vantagePoints: [
          { vantage: "a", start: T, code: "connect", stage: "connect" },
          { vantage: "b", start: T, code: "connect", stage: "connect" },
        ],
      },
      {
        service: "pop3",
        start: T + 10 * MIN,
        end: T + 40 * MIN,
        minutes: 30,
        code: "timeout",
        stage: "greeting",
        vantagePoints: ["a", "b", "c"].map((vantage) => ({
          vantage,
          start: T + 10 * MIN,
          code: "timeout",
          stage: "greeting",
        })),
      },
    ]);
  });

  it("without causes the services and vantage points are still named, codes null", () => {
    const r = computeMonth(outage(), "2026-11");
    expect(r.incidents[0]!.services.map((x) => [x.service, x.code, x.vantagePoints.length])).toEqual([
      ["imap", null, 2],
      ["pop3", null, 3],
    ]);
  });

  it("an open incident's service has end null", () => {
    const input = { ...outage(), now: T + 30 * MIN };
    const r = computeMonth(input, "2026-11");
    expect(r.incidents[0]!.end).toBeNull();
    expect(r.incidents[0]!.services.map((x) => [x.service, x.end])).toEqual([
      ["imap", null],
      ["pop3", null],
    ]);
  });
});

describe("overlapping (binary search over a normal-form list)", () => {
  const list = [
    { start: 0, end: 10 },
    { start: 20, end: 30 },
    { start: 40, end: 50 },
  ];
  it("finds exactly the intervals sharing an instant with the span; touching ends do not count", () => {
    expect(overlapping(list, { start: 10, end: 20 })).toEqual([]);
    expect(overlapping(list, { start: 9, end: 21 })).toEqual(list.slice(0, 2));
    expect(overlapping(list, { start: 25, end: 26 })).toEqual([list[1]]);
    expect(overlapping(list, { start: -5, end: 100 })).toEqual(list);
    expect(overlapping(list, { start: 50, end: 60 })).toEqual([]);
    expect(overlapping([], { start: 0, end: 1 })).toEqual([]);
  });
});

describe("force majeure as a time span (1.5)", () => {
  it("a span covering part of an incident excuses only that part", () => {
    // imap down 14:00-20:00 (6 h); a flood 14:00-17:00 excuses 3 h, the slow recovery stays fault
    const at14 = T + 14 * HOUR;
    const input = novemberInput(setup({ services: [{ name: "imap", intervalMs: MIN }] }), () =>
      during([at14, at14 + 6 * HOUR]),
    );
    const flood = { id: "flood", reason: "flood cut the power", start: at14, end: at14 + 3 * HOUR };
    const r = computeMonth({ ...input, forceMajeure: [flood] }, "2026-11");
    expect(r.incidents[0]).toMatchObject({ faultMinutes: 180, forceMajeureMinutes: 180 });
    expect(r.figures.faultMinutes.value).toBeCloseTo(180 * 0.6, 9);
    expect(r.forceMajeure.weightedMinutes).toBeCloseTo(180 * 0.6, 9);
    expect(r.forceMajeure.marks).toEqual([
      {
        id: "flood",
        reason: "flood cut the power",
        kind: "span",
        incidentId: null,
        start: at14,
        end: at14 + 3 * HOUR,
        segments: ["north"],
        services: null,
        weightedMinutes: expect.closeTo(108, 9) as number,
      },
    ]);
    expect(r.incidents[0]!.forceMajeure).toEqual([{ id: "flood", reason: "flood cut the power" }]);
  });

  it("a span for some services excuses only the fault they alone cause", () => {
    // imap T..T+60, pop3 T+10..T+40; a span for pop3 over the whole hour excuses nothing where imap is
    // down too, so nothing at all here; a span for imap excuses the 30 min pop3 was up
    const input = outage();
    const span = { start: T - HOUR, end: T + 2 * HOUR, reason: "supplier outage" };
    const pop3 = computeMonth(
      { ...input, forceMajeure: [{ id: "p", services: ["pop3"], ...span }] },
      "2026-11",
    );
    expect(pop3.incidents[0]).toMatchObject({ faultMinutes: 60, forceMajeureMinutes: 0 });
    const imap = computeMonth(
      { ...input, forceMajeure: [{ id: "i", services: ["imap"], ...span }] },
      "2026-11",
    );
    expect(imap.incidents[0]).toMatchObject({ faultMinutes: 30, forceMajeureMinutes: 30 });
    expect(imap.forceMajeure.marks[0]).toMatchObject({ services: ["imap"], weightedMinutes: 18 });
  });
});

describe("incident identity across a late result", () => {
  const single = setup({ services: [{ name: "imap", intervalMs: MIN }] });
  /** a and b fail from `from` to T+60 min; c never. */
  const failingFrom = (from: number) =>
    novemberInput(single, (_svc, v) => (v === "c" ? () => false : during([from, T + 60 * MIN])));

  it("a late result that moves the start keeps the annotation's force majeure and override", () => {
    const before = computeMonth(failingFrom(T), "2026-11");
    expect(before.incidents[0]!.id).toBe(ID);
    const annotation = {
      incidentId: ID,
      anchorEnd: T + 60 * MIN,
      cause: "fibre cut",
      forceMajeure: { reason: "earthquake" },
      affectedUsers: 300_000,
    };
    // late results: the outage began 20 minutes earlier
    const after = computeMonth({ ...failingFrom(T - 20 * MIN), annotations: [annotation] }, "2026-11");
    const [incident] = after.incidents;
    expect(incident!.id).toBe("north@2026-11-10T15:40:00.000Z");
    expect(incident).toMatchObject({
      affectedUsers: 300_000,
      overridden: true,
      faultMinutes: 0,
      forceMajeureMinutes: 80,
      annotations: [annotation],
    });
    expect(after.figures.faultMinutes.value).toBe(0);
    expect(after.forceMajeure.marks).toMatchObject([
      { id: `incident:${ID}`, kind: "incident", incidentId: incident!.id, reason: "earthquake" },
    ]);
    expect(after.orphans).toEqual([]);
    expect(after.warnings).toEqual([]);
  });

  it("a late result that moves the start later still finds the incident by its anchor", () => {
    const mark = { id: "old", reason: "storm", incidentId: ID, anchorEnd: T + 60 * MIN };
    const r = computeMonth({ ...failingFrom(T + 15 * MIN), forceMajeure: [mark] }, "2026-11");
    expect(r.incidents[0]!.id).not.toBe(ID);
    expect(r.incidents[0]).toMatchObject({ faultMinutes: 0, forceMajeureMinutes: 45 });
  });

  it("an annotation whose incident is gone is an orphan on the month, not dropped", () => {
    const annotation = { incidentId: ID, anchorEnd: T + 60 * MIN, forceMajeure: { reason: "storm" } };
    const quiet = novemberInput(single, () => () => false);
    const r = computeMonth({ ...quiet, annotations: [annotation] }, "2026-11");
    expect(r.incidents).toEqual([]);
    expect(r.forceMajeure.marks).toEqual([]);
    expect(r.orphans).toEqual([
      {
        incidentId: ID,
        segment: "north",
        anchorStart: T,
        anchorEnd: T + 60 * MIN,
        cause: null,
        forceMajeure: "storm",
        affectedUsers: null,
      },
    ]);
    expect(r.warnings).toEqual([`force majeure incident:${ID}: no incident ${ID}`]);
    // another month does not carry it
    expect(computeMonth({ ...quiet, annotations: [annotation] }, "2026-10").orphans).toEqual([]);
  });
});
