import { allowedFaultRatio, burnWindowsMs, PROJECTION_WINDOW_MS } from "../../alerts/collector-windows.js";
import type { BurnSnapshot } from "../metrics/burn-gauges.js";
import { windowBurns, projectedAvailability, systemFaultMs, windowEndingAt } from "../sla/burn.js";
import type { PeriodResult } from "../sla/engine.js";
import { buildTimeline, type EngineInput, type EngineSetup } from "../sla/timeline.js";
import type { CollectorStore } from "../store/index.js";
import { rangeInput } from "./input.js";
import { loadRange } from "./load-range.js";

/**
 * The burn rates and the month-end projection of /metrics, read from the ledger at scrape time.
 * One timeline over the longest window (3 days and the engine's lookback) serves every window;
 * the month so far comes from the month the SLA gauges already computed (cached), so a scrape
 * classifies three days of results once more, never the month again.
 */

/** The burn snapshot at `now`; `month` is the engine's result for the calendar month of `now`. */
export async function burnSnapshot(
  store: CollectorStore,
  setup: EngineSetup,
  now: number,
  month: PeriodResult,
  windowsMs: readonly number[] = burnWindowsMs(),
): Promise<BurnSnapshot> {
  const longest = Math.max(PROJECTION_WINDOW_MS, ...windowsMs);
  const range = windowEndingAt(now, longest);
  const loaded = await loadRange(store.results, setup, range, now);
  const input: EngineInput = { setup, now, ...(await rangeInput(store, loaded)) };
  const t = buildTimeline(input, range);
  const p = month.period;
  const availability = month.figures.availability.value;
  const soFar = typeof availability === "number" ? (1 - availability) * (p.effectiveEnd - p.start) : 0;
  return {
    now,
    windows: windowBurns(t, now, windowsMs, allowedFaultRatio()),
    projection: {
      windowMs: PROJECTION_WINDOW_MS,
      ratio: projectedAvailability({
        month: { start: p.start, end: p.end },
        now,
        faultSoFarMs: Math.max(0, soFar),
        faultInPaceWindowMs: systemFaultMs(t, windowEndingAt(now, PROJECTION_WINDOW_MS)),
        paceWindowMs: PROJECTION_WINDOW_MS,
      }),
    },
  };
}
