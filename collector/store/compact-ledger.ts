import type { EngineSetup } from "../sla/timeline.js";
import { planSeries, type CompactionOutcome, type CompactionRules } from "./compaction.js";
import type { CollectorStore } from "./types.js";

/**
 * Runs compaction (collector/store/compaction.ts) over a ledger: every compactable series, a month
 * of raw results at a time, each chunk planned and written in one transaction, so a crash leaves
 * every series either compacted up to some chunk or not, and running it again finishes the work
 * (idempotent: compacted results are raw no more). One collector at a time: the caller holds the
 * ledger's job claim (collector/retention.ts).
 */

const CHUNK_MS = 31 * 86_400_000;

/** The engine's thresholds from its setup: each service's stale time and the failures in a row. */
export function compactionRules(setup: EngineSetup): CompactionRules {
  const stale = new Map(
    setup.services.map((s) => [s.name, setup.thresholds.staleAfterIntervals * s.intervalMs]),
  );
  return {
    consecutiveFailures: setup.thresholds.consecutiveFailures,
    staleMs: (service) => stale.get(service),
  };
}

/** Compacts every raw result before `before`. */
export async function compactLedger(
  store: CollectorStore,
  rules: CompactionRules,
  before: number,
): Promise<CompactionOutcome> {
  const c = store.compaction;
  let series = 0;
  let rawRemoved = 0;
  let runsWritten = 0;
  for (const s of await c.series(before)) {
    const staleMs = rules.staleMs(s.service);
    if (staleMs === undefined) continue; // a service no longer configured: left raw
    const oldest = await c.oldestRaw(s.service, s.vantage);
    if (oldest === undefined || oldest >= before) continue;
    series++;
    for (let from = oldest; from < before; from += CHUNK_MS) {
      const to = Math.min(from + CHUNK_MS, before);
      const raw = await c.raw(s.service, s.vantage, from, to);
      if (raw.length === 0) continue;
      const tail = await c.tail(s.service, s.vantage);
      const plan = planSeries(s.service, s.vantage, tail, raw, staleMs, rules.consecutiveFailures);
      plan.range = { service: s.service, vantage: s.vantage, from, before: to };
      await c.apply(plan);
      rawRemoved += plan.deleteIds.length;
      runsWritten += plan.insert.length;
    }
  }
  await c.setBoundary(before);
  return { before, series, rawRemoved, runsWritten };
}
