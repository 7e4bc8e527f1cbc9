import type { CollectorStore } from "../store/index.js";

/**
 * When each agent last pushed, for `mailsla_agent_last_push_timestamp_seconds` (the agent-silent
 * alert). Pushes are seen as they are ingested. The ledger keeps each result's `received_at` but
 * offers no per-agent query on it, so after a collector restart, until an agent pushes again, its
 * last push is estimated from the ledger: the start of its newest check result of the last day,
 * a lower bound (a result is pushed after it starts). Without one the agent counts as never seen.
 */

const SEED_WINDOW_MS = 86_400_000;

/** Last push per vantage point. */
export class LastPushes {
  private readonly seen = new Map<string, number>();
  private seed: Map<string, number> | undefined;

  constructor(private readonly store: CollectorStore) {}

  /** An agent pushed at `at` (Unix ms). */
  record(vantage: string, at: number): void {
    this.seen.set(vantage, Math.max(at, this.seen.get(vantage) ?? -Infinity));
  }

  /** The last push of `vantage` known at `now`, or null if none. */
  last(vantage: string, now: number): number | null {
    const seen = this.seen.get(vantage);
    const seeded = this.seeded(now).get(vantage);
    if (seen === undefined && seeded === undefined) return null;
    return Math.max(seen ?? -Infinity, seeded ?? -Infinity);
  }

  /** Newest stored check start per vantage point in the last day, read once. */
  private seeded(now: number): Map<string, number> {
    if (!this.seed) {
      this.seed = new Map();
      for (const s of this.store.results.observationSeries(now - SEED_WINDOW_MS, now)) {
        const newest = s.at[s.at.length - 1];
        if (newest !== undefined) this.seed.set(s.vantage, Math.max(newest, this.seed.get(s.vantage) ?? 0));
      }
    }
    return this.seed;
  }
}
