import type { Registry } from "prom-client";
import {
  BUDGET_MONTH_MINUTES,
  BURN_COVERAGE_METRIC,
  BURN_RATE_METRIC,
  PROJECTION_METRIC,
  windowLabel,
} from "../../alerts/collector-windows.js";
import { describeIndicator, INDICATORS } from "../../contract/indicators.js";
import type { WindowBurn } from "../sla/burn.js";
import { one, type GaugeDef } from "./gauge-def.js";
import { registerSnapshotGauges } from "./register.js";

/**
 * The gauges the paging rules read instead of Prometheus history: the 7.1.2 burn rate over each
 * fixed window, the share of the window the monitoring saw, and 7.1.4 projected to the month's end
 * (alerts/collector-windows.ts says why). Computed at scrape time from the ledger.
 */

/** What one scrape of these gauges reads, taken at one instant. */
export interface BurnSnapshot {
  readonly now: number;
  /** One entry per exported window. */
  readonly windows: readonly WindowBurn[];
  /** 7.1.4 at the month's end at the pace of the last `windowMs`; `null` when it cannot be said. */
  readonly projection: { readonly windowMs: number; readonly ratio: number | null };
}

/** Called on every scrape; the wiring reads the ledger. */
export type BurnProvider = () => BurnSnapshot | Promise<BurnSnapshot>;

/** One gauge over a burn snapshot. */
export type BurnGaugeDef = GaugeDef<BurnSnapshot>;

const F = INDICATORS.faultMinutes;
const A = INDICATORS.availability;

/** The burn and projection gauges, in exposition order. */
export const BURN_GAUGES: readonly BurnGaugeDef[] = [
  {
    name: BURN_RATE_METRIC,
    help: `User-weighted fault minutes of the window ending now (from the ledger) / window minutes / (${F.target} / ${BUDGET_MONTH_MINUTES}): 1 spends ${describeIndicator("faultMinutes")} over a 30-day month; unknown time counts as no fault`,
    labelNames: ["clause", "window"],
    samples: (b) =>
      b.windows.map((w) => ({
        labels: { clause: F.clause, window: windowLabel(w.windowMs) },
        value: w.rate,
      })),
  },
  {
    name: BURN_COVERAGE_METRIC,
    help: "Share of each burn-rate window in which the quorum of vantage points could see every segment (6.1.2): how much of the burn rate is evidence",
    labelNames: ["window"],
    samples: (b) =>
      b.windows.map((w) => ({ labels: { window: windowLabel(w.windowMs) }, value: w.coverage })),
  },
  {
    name: PROJECTION_METRIC,
    help: `System availability at the month's end if faults go on at the pace of the last window (from the ledger; unknown time counts as no fault): ${describeIndicator("availability")}`,
    labelNames: ["clause", "window"],
    samples: (b) => one({ clause: A.clause, window: windowLabel(b.projection.windowMs) }, b.projection.ratio),
  },
];

/** Registers the burn gauges on `registry`; a provider that throws fails the scrape (`up == 0`). */
export function registerBurnMetrics(registry: Registry, provider: BurnProvider): void {
  registerSnapshotGauges(registry, BURN_GAUGES, provider);
}
