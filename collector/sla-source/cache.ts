import { createHash } from "node:crypto";
import type { IncidentAnnotation } from "../sla/anchors.js";
import type { ForceMajeureMark } from "../sla/force-majeure.js";
import type { Interval } from "../sla/intervals.js";
import type { EngineSetup } from "../sla/timeline.js";
import type { CollectorStore } from "../store/index.js";
import type { StoredWindow } from "../store/maintenance.js";
import { incidentIn } from "./input.js";

/**
 * Computed periods kept until something they depend on changes, so a Prometheus scrape every 15 s
 * does not recompute the month and the year when nothing arrived. A period depends on:
 * - results near it: an ingest invalidates every period whose read range (widened by the reach of
 *   one result) holds the time of a new result: a late result recomputes the period it falls in,
 *   and only that period (DESIGN step 8);
 * - 7.1.13/7.1.14 verdicts before its end (the state is the latest verdict, however old);
 * - declarations: maintenance windows, force majeure spans and incident annotations, compared by
 *   content on each read;
 * - the clock, while the period runs (or a fault runs at its edge): such a "live" entry is reused
 *   for at most `maxAgeMs`; and no entry is reused at a clock earlier than the one it was computed at.
 */

/** New results of one ingest, as far as invalidation cares. */
export interface Change {
  /** The span of their times (`startedAt` of a check, `sentAt` of a delivery), both ends included. */
  readonly from: number;
  readonly to: number;
  /** A submission or relay check among them: it may change 7.1.13/7.1.14 states of later periods. */
  readonly security: boolean;
}

/** A computed period and what it depends on. */
export interface CachedPeriod<T> {
  readonly value: T;
  readonly computedAt: number;
  /** Would change with the clock alone: the period runs, or reading stopped at the clock. */
  readonly live: boolean;
  /** Results at times in here may change it. */
  readonly dependsOn: Interval;
  readonly periodEnd: number;
  /** {@link declarationsKey} it was computed with. */
  readonly declarations: string;
}

/**
 * How far one result's influence reaches: a run of `consecutiveFailures` results, each at most a
 * stale time apart, plus the stale time it stays fresh. A result further than this from a period's
 * read range cannot change its states.
 */
export function influenceMs(setup: EngineSetup): number {
  const longest = Math.max(0, ...setup.services.map((s) => s.intervalMs));
  const { consecutiveFailures, staleAfterIntervals } = setup.thresholds;
  return (consecutiveFailures + 1) * staleAfterIntervals * longest;
}

/** Maintenance windows, force majeure spans and incident annotations, read once per request. */
export interface Declarations {
  readonly windows: readonly StoredWindow[];
  /** Force majeure spans (the admin API's); marks on incidents are in `annotations`. */
  readonly marks: readonly ForceMajeureMark[];
  readonly annotations: readonly IncidentAnnotation[];
}

/** The declarations now in the ledger. */
export async function readDeclarations(store: CollectorStore): Promise<Declarations> {
  return {
    windows: await store.maintenance.list(),
    marks: await store.forceMajeure.marks(),
    annotations: await store.annotations.engineAnnotations(),
  };
}

/**
 * A digest of the declarations that can change a period depending on `range`: windows and spans
 * overlapping it, and annotations of incidents starting in it (an incident id names its start).
 * Any other edit, such as a window next year, leaves the period's cache entry valid.
 */
export function declarationsKey(d: Declarations, range: Interval): string {
  const near = (id: string) => incidentIn(id, range);
  const relevant = {
    windows: d.windows.filter((w) => w.end > range.start && w.start < range.end),
    marks: d.marks.filter((m) =>
      "incidentId" in m ? near(m.incidentId) : m.end > range.start && m.start < range.end,
    ),
    annotations: d.annotations.filter((a) => near(a.incidentId)),
  };
  return createHash("sha256").update(JSON.stringify(relevant)).digest("base64url");
}

/**
 * The cache of computed periods, by key ("2025-03"). At most `maxEntries` are kept (three years of
 * months by default), the least recently computed dropped first, so browsing old months through
 * the API cannot grow it without bound.
 */
export class PeriodCache<T> {
  private readonly entries = new Map<string, CachedPeriod<T>>();
  #generation = 0;

  constructor(
    private readonly maxAgeMs: number,
    private readonly maxEntries = 36,
  ) {}

  /** The entry of `key` if still valid at `now` for the declarations `d`. */
  get(key: string, now: number, d: Declarations): CachedPeriod<T> | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    // A clock set back (tests, a corrected host clock) sees a different past: recompute.
    const age = now - e.computedAt;
    const fresh = age >= 0 && (!e.live || age < this.maxAgeMs);
    if (fresh && e.declarations === declarationsKey(d, e.dependsOn)) return e;
    this.entries.delete(key);
    return undefined;
  }

  /** Stores a computed period. */
  set(key: string, entry: CachedPeriod<T>): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(oldest);
    }
  }

  /**
   * Bumped by every invalidation: a computation that started before it may have read the ledger
   * before the change, so its result is not stored ({@link setIfCurrent}).
   */
  get generation(): number {
    return this.#generation;
  }

  /** Stores a period computed while the cache was at `generation`, unless something changed since. */
  setIfCurrent(key: string, entry: CachedPeriod<T>, generation: number): void {
    if (generation === this.#generation) this.set(key, entry);
  }

  /** Drops every entry (the change log was pruned past what this reader saw). */
  clear(): void {
    this.#generation++;
    this.entries.clear();
  }

  /** Drops every entry a new result may change; returns how many were dropped. */
  invalidate(changes: readonly Change[]): number {
    if (changes.length > 0) this.#generation++;
    let dropped = 0;
    for (const [key, e] of this.entries) {
      const hit = changes.some(
        (c) =>
          (c.to >= e.dependsOn.start && c.from < e.dependsOn.end) || (c.security && c.from < e.periodEnd),
      );
      if (hit) {
        this.entries.delete(key);
        dropped++;
      }
    }
    return dropped;
  }

  /** Entries held (for tests and the wiring's stats). */
  get size(): number {
    return this.entries.size;
  }
}
