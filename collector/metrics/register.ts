import { Gauge, type Registry } from "prom-client";
import type { GaugeDef } from "./gauge-def.js";
import { oncePerScrape } from "./once-per-scrape.js";

/**
 * Registers a table of gauges that read one snapshot per scrape (the SLA gauges, the burn gauges):
 * each gauge's collect() awaits the shared snapshot and sets its samples. A provider that throws
 * fails the scrape, which Prometheus reports as `up == 0`: better than serving stale figures.
 */
export function registerSnapshotGauges<S>(
  registry: Registry,
  defs: readonly GaugeDef<S>[],
  provider: () => S | Promise<S>,
): void {
  const snapshot = oncePerScrape(provider);
  for (const def of defs) {
    new Gauge({
      name: def.name,
      help: def.help,
      labelNames: [...def.labelNames],
      registers: [registry],
      async collect() {
        const s = await snapshot();
        this.reset();
        for (const { labels, value } of def.samples(s)) this.set(labels, value);
      },
    });
  }
}
