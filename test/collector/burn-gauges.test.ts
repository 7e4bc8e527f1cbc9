/**
 * The burn-rate and projection gauges of /metrics against the ledger: a collector that has watched
 * for two hours sees a 3-minute outage of mx (every user) from two of three vantage points. The
 * gauges must equal both hand arithmetic and the engine's own 7.1.2 figure of each window, and the
 * coverage must say how little of the long windows was seen, so no page can rest on it (issue 10).
 */
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { BURN_GAUGES } from "../../collector/metrics/burn-gauges.js";
import { allowedFaultRatio } from "../../alerts/collector-windows.js";
import { engineInput } from "../../collector/sla-source/input.js";
import { computePeriod } from "../../collector/sla/engine.js";
import {
  checks,
  Clock,
  config,
  failing,
  local,
  MIN,
  push,
  sample,
  slaCollector,
  type SlaCollector,
} from "./sla-scenario.js";

const open: SlaCollector[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
});

const SERVICES = [
  ["mx", "smtp"],
  ["imap", "imap"],
  ["pop", "pop3"],
  ["submission", "submission"],
] as const;

/** Every service from every vantage point each minute over `[from, to)`; mx fails from a and b 11:50-11:53. */
function minutes(from: number, to: number) {
  const outage = failing(["a", "b"], local("2025-03-05T11:50"), local("2025-03-05T11:53"));
  return SERVICES.flatMap(([name, kind]) =>
    checks(name, kind, ["a", "b", "c"], from, to, name === "mx" ? outage : undefined),
  );
}

async function scrape(c: SlaCollector): Promise<string> {
  return (await c.app.inject({ method: "GET", url: "/metrics" })).body;
}

const burn = (text: string, window: string) =>
  sample(text, "mailsla_sla_fault_budget_burn_rate", { clause: "7.1.2", window });
const coverage = (text: string, window: string) =>
  sample(text, "mailsla_sla_fault_budget_burn_coverage_ratio", { window });

/** The engine's 7.1.2 figure for the window ending at `now`, as a burn rate. */
async function engineBurn(c: SlaCollector, now: number, windowMs: number): Promise<number> {
  const window = { start: now - windowMs, end: now };
  const result = computePeriod(await engineInput(c.store, config(), now, window), window);
  const minutes = result.figures.faultMinutes.value;
  if (typeof minutes !== "number") throw new Error(`no 7.1.2 figure for the ${windowMs} ms window`);
  return minutes / (windowMs / MIN) / allowedFaultRatio();
}

describe("burn-rate gauges from the ledger", () => {
  it("equal the engine's figures per window; a 3-minute outage burns 64.8x over 5m but 5.4x over 1h", async () => {
    const clock = new Clock(local("2025-03-05T11:53"));
    const c = await slaCollector(clock);
    open.push(c);
    await push(c.app, minutes(local("2025-03-05T10:00"), clock.t));

    // The outage is still going on at 11:53: fault [11:50, 11:53), every user (mx serves both segments).
    const during = await scrape(c);
    const expected: Record<string, [number, number]> = {
      // window: [burn rate by hand, coverage]: 3 weighted minutes / window minutes / (400 / 43200)
      "5m": [64.8, 1],
      "30m": [10.8, 1],
      "1h": [5.4, 1],
      "2h": [2.7, 113 / 120], // results start at 10:00: 7 minutes of the 2h window unseen
      "6h": [0.9, 113 / 360],
      "1d": [0.225, 113 / 1440],
      "3d": [0.075, 113 / 4320],
    };
    const durations: Record<string, number> = {
      "5m": 5,
      "30m": 30,
      "1h": 60,
      "2h": 120,
      "6h": 360,
      "1d": 1440,
      "3d": 4320,
    };
    for (const [window, [rate, seen]] of Object.entries(expected)) {
      expect(burn(during, window), window).toBeCloseTo(rate, 9);
      expect(burn(during, window), window).toBeCloseTo(
        await engineBurn(c, clock.t, durations[window]! * MIN),
        9,
      );
      expect(coverage(during, window), window).toBeCloseTo(seen, 9);
    }

    // Seven minutes later the outage is over: the short window is clean, the long ones remember it.
    clock.set("2025-03-05T12:00");
    await push(c.app, minutes(local("2025-03-05T11:53"), clock.t));
    const after = await scrape(c);
    expect(burn(after, "5m")).toBe(0);
    expect(burn(after, "1h")).toBeCloseTo(5.4, 9);
    expect(burn(after, "1h")).toBeCloseTo(await engineBurn(c, clock.t, 60 * MIN), 9);
    expect(coverage(after, "6h")).toBeCloseTo(120 / 360, 9);

    // March (Shanghai) has 44640 minutes; 3 fault minutes so far and 3 a day for the 26.5 days left.
    const projected = 1 - (3 + 3 * 26.5) / 44640;
    expect(
      sample(after, "mailsla_sla_availability_projected_ratio", { clause: "7.1.4", window: "1d" }),
    ).toBeCloseTo(projected, 9);
  });

  it("do not inflate on a ledger of ten minutes: the window stays whole, its coverage says how little was seen", async () => {
    const clock = new Clock(local("2025-03-05T11:53"));
    const c = await slaCollector(clock);
    open.push(c);
    await push(c.app, minutes(local("2025-03-05T11:43"), clock.t));
    const text = await scrape(c);
    // 3 fault minutes over the whole hour, not over the 10 minutes seen (that would be 32.4x and page)
    expect(burn(text, "1h")).toBeCloseTo(5.4, 9);
    expect(coverage(text, "1h")).toBeCloseTo(10 / 60, 9);
    expect(burn(text, "5m")).toBeCloseTo(64.8, 9);
    expect(coverage(text, "5m")).toBe(1);
  });

  it("are each documented in docs/alerts.md", () => {
    const doc = readFileSync(new URL("../../docs/alerts.md", import.meta.url), "utf8");
    expect(BURN_GAUGES.map((g) => g.name).filter((name) => !doc.includes(`\`${name}\``))).toEqual([]);
  });
});
