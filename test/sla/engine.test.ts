import { describe, expect, it } from "vitest";
import { computeMonth, computePeriod } from "../../collector/sla/engine.js";
import { INDICATORS } from "../../contract/indicators.js";
import { lookbackMs, setupFromConfig } from "../../collector/sla/timeline.js";
import { Config } from "../../config/schema.js";
import { DAY, DEC, HOUR, MIN, NOV, dropResults, during, novemberInput, setup } from "./fixtures.js";

const MONTH_MIN = 30 * 24 * 60; // November has 43,200 minutes
const T = NOV + 10 * DAY; // 2026-11-11 00:00 Shanghai

/** Vantage points a and b fail the service in the given spans; c never fails. */
const ab =
  (...spans: [number, number][]) =>
  (_s: unknown, v: string) =>
    v === "c" ? () => false : during(...spans);

describe("worked scenarios, computed by hand", () => {
  it("7.1.2: 600k of 1M users down 50 min from 2 of 3 vantage points weighs 30 minutes", () => {
    const r = computeMonth(novemberInput(setup(), ab([T, T + 50 * MIN])), "2026-11");
    expect(r.figures.faultMinutes).toMatchObject({ clause: "7.1.2", target: 400, value: 30, pass: true });
    expect(r.incidents).toMatchObject([
      { id: "north@2026-11-10T16:00:00.000Z", start: T, end: T + 50 * MIN, weight: 0.6, weightedMinutes: 30 },
    ]);
    // 7.1.4: the system was down 50 of 43,200 minutes; weighted, 30 of 43,200.
    expect(r.figures.availability.value).toBeCloseTo(1 - 50 / MONTH_MIN, 12);
    expect(r.figures.availabilityUserWeighted.value).toBeCloseTo(1 - 30 / MONTH_MIN, 12);
    expect(r.figures.availability.errorBound).toBeCloseTo((2 * 1) / MONTH_MIN, 12); // ± one 1-min interval per end
    expect(r.faultDays).toEqual(["2026-11-11"]);
    expect(r.period.partial).toBe(false);
    expect(r.coverage.ratio).toBe(1);
  });

  it("7.1.2: one vantage point failing alone for hours is never a fault", () => {
    const r = computeMonth(
      novemberInput(setup(), (_s, v) => (v === "a" ? during([T, T + 5 * HOUR]) : () => false)),
      "2026-11",
    );
    expect(r.figures.faultMinutes.value).toBe(0);
    expect(r.incidents).toEqual([]);
  });

  it("7.1.2: two services down at overlapping times count the overlap once", () => {
    const s = setup({
      services: [
        { name: "mx", intervalMs: MIN },
        { name: "imap", intervalMs: MIN },
      ],
    });
    const fails = (svc: { name: string }, v: string) =>
      v === "c"
        ? () => false
        : svc.name === "mx"
          ? during([T, T + 50 * MIN])
          : during([T + 30 * MIN, T + 80 * MIN]);
    const r = computeMonth(novemberInput(s, fails), "2026-11");
    expect(r.segments[0]!.faultMinutes).toBe(80);
    expect(r.figures.faultMinutes.value).toBeCloseTo(48, 9); // 80 x 0.6
  });

  it("7.1.4: strict availability takes the union over segments; 7.1.2 weighs each segment", () => {
    const s = setup({
      segments: [
        { name: "north", users: 600_000 },
        { name: "south", users: 400_000 },
      ],
      services: [
        { name: "mx-n", intervalMs: MIN, segments: ["north"] },
        { name: "mx-s", intervalMs: MIN, segments: ["south"] },
      ],
    });
    const fails = (svc: { name: string }, v: string) =>
      v === "c"
        ? () => false
        : svc.name === "mx-n"
          ? during([T, T + 60 * MIN])
          : during([T + 30 * MIN, T + 120 * MIN]);
    const r = computeMonth(novemberInput(s, fails), "2026-11");
    expect(r.figures.faultMinutes.value).toBeCloseTo(60 * 0.6 + 90 * 0.4, 9); // 72
    expect(r.figures.availability.value).toBeCloseTo(1 - 120 / MONTH_MIN, 12);
    expect(r.figures.availabilityUserWeighted.value).toBeCloseTo(1 - 72 / MONTH_MIN, 12);
    expect(r.incidents.map((i) => i.segment)).toEqual(["north", "south"]);
  });

  it("7.1.2: an operator's affected-users override re-weighs one incident, capped at its segment", () => {
    const base = novemberInput(setup(), ab([T, T + 50 * MIN]));
    const id = "north@2026-11-10T16:00:00.000Z";
    const low = computeMonth({ ...base, overrides: [{ incidentId: id, affectedUsers: 100_000 }] }, "2026-11");
    expect(low.figures.faultMinutes.value).toBeCloseTo(5, 9);
    expect(low.incidents[0]).toMatchObject({ affectedUsers: 100_000, overridden: true });
    const high = computeMonth(
      { ...base, overrides: [{ incidentId: id, affectedUsers: 5_000_000 }] },
      "2026-11",
    );
    expect(high.figures.faultMinutes.value).toBeCloseTo(30, 9);
  });

  it("stale results are unknown, not fault: coverage falls, availability does not", () => {
    // Two vantage points fail twice, then stop reporting for two hours; the third keeps passing.
    const silent = during([T + 2 * MIN, T + 2 * HOUR]);
    const s = setup();
    const base = novemberInput(s, ab([T, T + 2 * MIN]));
    const input = {
      ...base,
      series: base.series.map((x) => (x.vantage === "c" ? x : dropResults(x, silent))),
    };
    const r = computeMonth(input, "2026-11");
    // Down from T until the results of T + 1 min go stale 3 minutes later: 4 minutes.
    expect(r.segments[0]!.faultMinutes).toBe(4);
    expect(r.coverage.unknownMinutes).toBe(120 - 4);
    expect(r.coverage.ratio).toBeCloseTo(1 - 116 / MONTH_MIN, 12);
    expect(r.figures.availability.value).toBeCloseTo(1 - 4 / MONTH_MIN, 12);
  });

  it("DESIGN step 8: a fault crossing a month boundary is split, the same incident in both months", () => {
    const input = { ...novemberInput(setup(), ab([DEC - 30 * MIN, DEC + 30 * MIN])), now: DEC + 2 * DAY };
    const nov = computeMonth(input, "2026-11");
    const dec = computeMonth(input, "2026-12");
    expect(nov.figures.faultMinutes.value).toBeCloseTo(18, 9); // 30 min x 0.6
    expect(dec.figures.faultMinutes.value).toBeCloseTo(18, 9);
    expect(nov.incidents[0]!.id).toBe(dec.incidents[0]!.id);
    expect(nov.faultDays).toEqual(["2026-11-30"]);
    expect(dec.faultDays).toEqual(["2026-12-01"]);
    expect(dec.period.partial).toBe(true);
  });

  it("a month in progress is measured up to now, partial, its incident still open", () => {
    const now = T + 40 * MIN;
    const input = { ...novemberInput(setup(), ab([T, T + 50 * MIN])), now };
    const r = computeMonth(input, "2026-11");
    expect(r.period).toMatchObject({ partial: true, effectiveEnd: now });
    expect(r.incidents[0]!.end).toBeNull();
    expect(r.figures.faultMinutes).toMatchObject({ value: 24, partial: true }); // 40 x 0.6
    expect(r.figures.availability.value).toBeCloseTo(1 - 40 / (10 * 24 * 60 + 40), 12);
  });

  it("1.5: force majeure leaves the indicators and is shown apart, by incident or by span", () => {
    const base = novemberInput(setup(), ab([T, T + 50 * MIN]));
    const byIncident = computeMonth(
      {
        ...base,
        forceMajeure: [{ id: "fm1", reason: "earthquake", incidentId: "north@2026-11-10T16:00:00.000Z" }],
      },
      "2026-11",
    );
    expect(byIncident.figures.faultMinutes.value).toBe(0);
    expect(byIncident.figures.availability.value).toBe(1);
    expect(byIncident.forceMajeure.weightedMinutes).toBeCloseTo(30, 9);
    expect(byIncident.forceMajeure.marks).toMatchObject([
      { id: "fm1", reason: "earthquake", weightedMinutes: 30 },
    ]);
    expect(byIncident.incidents[0]).toMatchObject({ forceMajeureMinutes: 50, forceMajeure: [{ id: "fm1" }] });
    expect(byIncident.segments[0]!.forceMajeureMinutes).toBe(50);
    expect(byIncident.faultDays).toEqual([]);

    const bySpan = computeMonth(
      { ...base, forceMajeure: [{ id: "fm2", reason: "cable cut", start: T + 20 * MIN, end: T + 2 * HOUR }] },
      "2026-11",
    );
    expect(bySpan.figures.faultMinutes.value).toBeCloseTo(12, 9); // 20 counted minutes x 0.6
    expect(bySpan.forceMajeure.weightedMinutes).toBeCloseTo(18, 9); // 30 excused minutes x 0.6
  });

  it("1.5: a mark naming an unknown incident is a warning, never silently applied", () => {
    const input = {
      ...novemberInput(setup(), ab()),
      forceMajeure: [{ id: "x", reason: "r", incidentId: "nope" }],
    };
    expect(computeMonth(input, "2026-11").warnings).toEqual(["force majeure x: no incident nope"]);
  });

  it("warns when a service has fewer vantage points than the quorum (it can never be down)", () => {
    const s = setup({ services: [{ name: "mx", intervalMs: MIN, vantagePoints: ["a"] }] });
    const r = computeMonth(
      novemberInput(s, () => () => true),
      "2026-11",
    );
    expect(r.warnings[0]).toMatch(/mx: 1 vantage point\(s\) < quorum 2/);
    expect(r.figures.faultMinutes).toMatchObject({ value: null, verdict: "unproven", evidence: "no data" });
    expect(r.coverage.ratio).toBe(0);
  });

  it("warns about results of a (service, vantage point) the configuration does not have", () => {
    const input = novemberInput(setup(), ab());
    const stray = { ...input.series[0]!, service: "old-mx" };
    const r = computeMonth({ ...input, series: [...input.series, stray] }, "2026-11");
    expect(r.warnings).toEqual(["results of old-mx/a ignored: not a configured pair"]);
  });

  it("takes its setup from the validated configuration; results must reach back lookbackMs", () => {
    const config = Config.parse({
      operator: { name: "Op", totalUsers: 1000 },
      segments: [{ name: "all", users: 1000 }],
      vantagePoints: [{ name: "a" }, { name: "b" }],
      services: [
        { name: "mx", kind: "smtp", host: "mx.test", interval: "2m", vantagePoints: ["a", "b"] },
        { name: "mx2", kind: "smtp", host: "mx2.test" },
      ],
    });
    const s = setupFromConfig(config);
    expect(s).toMatchObject({
      timeZone: "Asia/Shanghai",
      lateNoticeCountsAs: "fault",
      vantagePoints: ["a", "b"],
    });
    expect(s.services).toMatchObject([
      { name: "mx", intervalMs: 2 * MIN, vantagePoints: ["a", "b"] },
      { name: "mx2", intervalMs: MIN },
    ]);
    expect(lookbackMs(s)).toBe((2 + 3) * 2 * MIN);
  });

  it("an empty period (now before it starts) measures nothing", () => {
    const r = computePeriod(novemberInput(setup(), ab()), { start: DEC + 5 * DAY, end: DEC + 6 * DAY });
    expect(r.figures.availability).toMatchObject({ value: null, pass: null });
    expect(r.figures.faultMinutes).toMatchObject({ value: null, pass: null, partial: true });
  });
});

describe("delivery and security figures", () => {
  const base = novemberInput(setup(), ab());

  it("7.1.8/7.1.9: average of delivered samples; the maximum includes in-flight ages at the period end", () => {
    const r = computeMonth(
      {
        ...base,
        delays: [
          { direction: "send", at: T, seconds: 30 },
          { direction: "send", at: T + HOUR, seconds: 90, boundSeconds: 2 },
          { direction: "receive", at: T, seconds: 20 },
          { direction: "receive", at: DEC + HOUR, seconds: 99_999 }, // December's
        ],
        inFlight: [{ direction: "receive", sentAt: DEC - 4 * HOUR }],
      },
      "2026-11",
    );
    expect(r.figures.sendDelayAverage).toMatchObject({
      clause: "7.1.8",
      value: 60,
      pass: true,
      errorBound: 1,
    });
    expect(r.figures.sendDelayMaximum).toMatchObject({ value: 90, pass: true, errorBound: 2 });
    expect(r.figures.receiveDelayAverage).toMatchObject({ clause: "7.1.9", value: 20, pass: true });
    expect(r.figures.receiveDelayMaximum).toMatchObject({
      value: 4 * 3600,
      target: INDICATORS.receiveDelayMaximum.target,
      pass: false,
    });
  });

  it("7.1.12: loss rate = lost / (delivered + lost) of received mail; not measurable without messages", () => {
    const delays = Array.from({ length: 99 }, (_, i) => ({
      direction: "receive" as const,
      at: T + i,
      seconds: 5,
    }));
    const r = computeMonth({ ...base, delays, lost: [{ direction: "receive", sentAt: T }] }, "2026-11");
    expect(r.figures.lossRate).toMatchObject({ clause: "7.1.12", value: 0.01, pass: null });
    expect(r.figures.sendDelayAverage).toMatchObject({ value: null, pass: null });
  });

  it("7.1.13/7.1.14: the latest verdict per service decides; earlier failures are listed", () => {
    const r = computeMonth(
      {
        ...base,
        security: [
          { check: "smtpAuthRequired", service: "sub", at: NOV - DAY, ok: true },
          { check: "openRelayClosed", service: "mx", at: T, ok: false },
          { check: "openRelayClosed", service: "mx", at: T + HOUR, ok: true },
          { check: "openRelayClosed", service: "mx2", at: T, ok: false },
        ],
      },
      "2026-11",
    );
    expect(r.figures.smtpAuthRequired).toMatchObject({ clause: "7.1.13", value: true, pass: true });
    expect(r.figures.openRelayClosed).toMatchObject({ clause: "7.1.14", value: false, pass: false });
    expect(r.security.openRelayClosed).toEqual({
      value: false,
      failingAtEnd: ["mx2"],
      failedDuring: ["mx", "mx2"],
    });
  });
});
