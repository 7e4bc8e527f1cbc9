import { describe, expect, it } from "vitest";
import { monthRange, yearRange } from "../../collector/sla/calendar.js";
import { computeMonth } from "../../collector/sla/engine.js";
import type { EngineInput } from "../../collector/sla/timeline.js";
import {
  groupObservations,
  type Observation,
  type ObservationSeries,
} from "../../collector/sla/vantage-state.js";
import { computeYear } from "../../collector/sla/year.js";
import { DAY, HOUR, MIN, setup } from "./fixtures.js";

/**
 * A year of one-minute results for 5 services from 3 vantage points (7.9 million results) must
 * compute in seconds: sorted columns and linear sweeps, never one object per minute.
 */

const TZ = "Asia/Shanghai";
const YEAR = yearRange("2026", TZ);
const SERVICES = ["mx", "submission", "imap", "pop3", "webmail"];
const VANTAGES = ["a", "b", "c"];

/** Deterministic pseudo-random failures: a 20-minute outage every ~9 days on each service, plus noise. */
function yearSeries(service: number, vantage: number): ObservationSeries {
  const n = (YEAR.end - YEAR.start) / MIN;
  const at = new Float64Array(n);
  const ok = new Uint8Array(n);
  let seed = 7919 * (service + 1) + 104_729 * (vantage + 1);
  for (let i = 0; i < n; i++) {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    const outage = (i + service * 3_000) % 13_000 < 20 && vantage < 2;
    at[i] = YEAR.start + i * MIN;
    ok[i] = outage || seed % 500 === 0 ? 0 : 1;
  }
  return { service: SERVICES[service]!, vantage: VANTAGES[vantage]!, at, ok };
}

function yearInput(): EngineInput {
  return {
    setup: setup({
      segments: [
        { name: "north", users: 600_000 },
        { name: "south", users: 400_000 },
      ],
      services: SERVICES.map((name, i) => ({
        name,
        intervalMs: MIN,
        ...(i % 2 ? { segments: ["south"] } : {}),
      })),
    }),
    now: YEAR.end + DAY,
    series: SERVICES.flatMap((_, s) => VANTAGES.map((_, v) => yearSeries(s, v))),
  };
}

describe("scale", () => {
  // How fast is measured in bench/ (npm run bench -- recompute), never asserted here.
  it("computes a year of one-minute results for 3 vantage points x 5 services", () => {
    const input = yearInput();
    const year = computeYear(input, "2026");
    const month = computeMonth(input, "2026-11");
    // 5 services x ~40 outages of 20 minutes, never two services at once: every outage is a fault day.
    expect(year.faultDays.length).toBeGreaterThan(150);
    expect(month.incidents.length).toBeGreaterThan(10);
    expect(month.coverage.ratio).toBe(1);
  });

  it("loose result objects, shuffled and grouped, give the same month as sorted columns", () => {
    const input = yearInput();
    const month = monthRange("2026-11", TZ);
    const from = month.start - HOUR;
    const objects: Observation[] = input.series.flatMap((s) =>
      Array.from(s.at, (at, i) => ({ service: s.service, vantage: s.vantage, at, ok: s.ok[i] === 1 })).filter(
        (o) => o.at >= from && o.at < month.end,
      ),
    );
    objects.reverse();
    const grouped = computeMonth({ ...input, series: groupObservations(objects) }, "2026-11");
    expect(grouped).toEqual(computeMonth(input, "2026-11"));
  });
});
