import type { Registry } from "prom-client";
import { BUDGET_GAUGES } from "./budget-gauges.js";
import { FIGURE_GAUGES } from "./figure-gauges.js";
import type { SlaGaugeDef } from "./gauge-def.js";
import type { SlaProvider } from "./live-state.js";
import { LIVE_GAUGES } from "./live-gauges.js";
import { registerSnapshotGauges } from "./register.js";

/**
 * The collector's SLA metrics (docs/alerts.md lists them all). Every gauge is computed at scrape
 * time from one snapshot of the engine's results, so /metrics never shows a number the engine
 * would not, and nothing is kept in module state.
 */

/** Every SLA gauge definition, in exposition order. */
export const SLA_GAUGES: readonly SlaGaugeDef[] = [...FIGURE_GAUGES, ...BUDGET_GAUGES, ...LIVE_GAUGES];

/**
 * Registers the SLA gauges on `registry` (the caller's, never the global one). `provider` is called
 * on each scrape and returns the current month's and year's results and the live state; wiring it
 * to the store is the collector's job. A provider that throws fails the scrape, which Prometheus
 * reports as `up == 0`: better than serving stale figures.
 */
export function registerSlaMetrics(registry: Registry, provider: SlaProvider): void {
  registerSnapshotGauges(registry, SLA_GAUGES, provider);
}
