import type { Registry } from "prom-client";
import type { Config } from "../../config/schema.js";
import { registerBurnMetrics, type BurnSnapshot } from "../metrics/burn-gauges.js";
import type { SlaSnapshot } from "../metrics/live-state.js";
import { registerSlaMetrics } from "../metrics/sla-metrics.js";
import type { SlaWiring } from "../routes/sla.js";
import { parseIncidentId } from "../sla/anchors.js";
import { monthOf, monthRange, yearOf } from "../sla/calendar.js";
import { computeMonth, type PeriodResult } from "../sla/engine.js";
import type { LateNoticeCountsAs } from "../sla/maintenance.js";
import type { YearResult } from "../sla/year.js";
import type { CollectorStore } from "../store/index.js";
import { declarationsKey, influenceMs, PeriodCache, readDeclarations, type Declarations } from "./cache.js";
import { burnSnapshot } from "./burn.js";
import { composeYear, monthsBegun } from "./compose-year.js";
import type { OutcomeCounts } from "./deliveries.js";
import { loadInput, sourceContext } from "./input.js";
import { liveState } from "./live.js";
import { ChangeFollower } from "./changes.js";

/**
 * The SLA engine wired into the collector: `GET /api/v1/sla`, the incident list and the SLA gauges
 * of /metrics all ask this one object, which reads the ledger, runs the pure engine with the
 * injected clock and keeps computed months until something they depend on changes.
 */

/** Options of {@link createSlaSource}. */
export interface SlaSourceOptions {
  /** The clock, Unix ms; tests inject their own. */
  now?: () => number;
  /** How down time in a late-announced window counts (6.1.6); `sla.lateNoticeCountsAs` by default. */
  lateNoticeCountsAs?: LateNoticeCountsAs;
  /** How long a running month is reused when nothing arrived (its figures move with the clock). */
  maxAgeMs?: number;
}

/** A month as the API serves it: the engine's result and the delivery outcomes behind it. */
export interface MonthSla {
  readonly result: PeriodResult;
  readonly outcomes: OutcomeCounts;
}

/** Counters that show the cache at work (tests, debugging). */
export interface SlaSourceStats {
  /** Months computed by the engine since start. */
  readonly computations: number;
  /** Ingest transactions seen (in the ledger's change log: this replica's and the others'). */
  readonly ingests: number;
  /** Cached months dropped by ingests. */
  readonly invalidated: number;
}

/**
 * The wiring and what it computes. It learns of ingests from the ledger's change log (whoever
 * wrote them: this collector or another replica), so the app writes to the store directly.
 */
export interface SlaSource {
  readonly wiring: SlaWiring & Required<Pick<SlaWiring, "incidents" | "registerMetrics">>;
  /** One month at `now` (cached): what the routes and the monthly report read. */
  month(month: string, now?: number): Promise<MonthSla>;
  /** 7.1.5 for one year at `now`, from its months. */
  year(year: string, now?: number): Promise<YearResult>;
  /** The /metrics snapshot at `now`. */
  snapshot(now?: number): Promise<SlaSnapshot>;
  /** The burn rates and month-end projection of /metrics at `now` (collector/sla-source/burn.ts). */
  burn(now?: number): Promise<BurnSnapshot>;
  stats(): SlaSourceStats;
}

/** Builds the wiring of `config` over `store`; pass `source.wiring` to the app. */
export function createSlaSource(
  store: CollectorStore,
  config: Readonly<Config>,
  opts: SlaSourceOptions = {},
): SlaSource {
  const clock = opts.now ?? Date.now;
  const ctx = sourceContext(config, opts.lateNoticeCountsAs);
  const tz = ctx.setup.timeZone;
  const reach = influenceMs(ctx.setup);
  const cache = new PeriodCache<MonthSla>(opts.maxAgeMs ?? 60_000);
  const stats = { computations: 0, invalidated: 0 };
  const follower = new ChangeFollower(store, {
    changed: (changes) => void (stats.invalidated += cache.invalidate(changes)),
    lost: () => cache.clear(),
  });

  const monthAt = async (month: string, now: number, d: Declarations): Promise<MonthSla> => {
    const hit = cache.get(month, now, d);
    if (hit) return hit.value;
    const generation = cache.generation;
    const period = monthRange(month, tz);
    const { input, loaded, outcomes } = await loadInput(store, ctx, now, period);
    const value = { result: computeMonth(input, month), outcomes };
    stats.computations++;
    const live = value.result.period.partial || loaded.end >= now;
    const dependsOn = { start: loaded.start - reach, end: live ? Infinity : loaded.end + reach };
    const declarations = declarationsKey(d, dependsOn);
    const entry = { value, computedAt: now, live, dependsOn, periodEnd: period.end, declarations };
    cache.setIfCurrent(month, entry, generation);
    return value;
  };
  const yearAt = async (year: string, now: number, d: Declarations): Promise<YearResult> => {
    const months: PeriodResult[] = [];
    for (const m of monthsBegun(year, tz, now)) months.push((await monthAt(m, now, d)).result);
    return composeYear(year, months, tz, now);
  };
  /** The declarations now, after the changes committed so far were applied to the cache. */
  const current = async (now: number): Promise<Declarations> => {
    await follower.sync(now);
    return readDeclarations(store);
  };

  const source: Omit<SlaSource, "wiring"> = {
    month: async (month, now = clock()) => monthAt(month, now, await current(now)),
    year: async (year, now = clock()) => yearAt(year, now, await current(now)),
    async snapshot(now = clock()) {
      const d = await current(now);
      return {
        now,
        month: (await monthAt(monthOf(now, tz), now, d)).result,
        year: await yearAt(yearOf(now, tz), now, d),
        live: await liveState(store, ctx.setup, now, (v) => follower.lastPush(v)),
      };
    },
    burn: async (now = clock()) => {
      const month = await monthAt(monthOf(now, tz), now, await current(now));
      return burnSnapshot(store, ctx.setup, now, month.result);
    },
    stats: () => ({ ...stats, ingests: follower.seen }),
  };
  return { ...source, wiring: httpWiring(source, store, clock, tz) };
}

/** One month of `GET /api/v1/sla?year=`: its time figures with verdicts, coverage and system minutes. */
function yearMonth(month: string, r: PeriodResult) {
  const f = r.figures;
  return {
    month,
    partial: r.period.partial,
    coverage: r.coverage.ratio,
    figures: {
      faultMinutes: f.faultMinutes,
      maintenanceMinutes: f.maintenanceMinutes,
      availability: f.availability,
      faultFreeRate: f.faultFreeRate,
    },
    system: r.system,
    faultDays: r.faultDays.length,
  };
}

/** The year's sums of its months (weighted minutes as 7.1.2/7.1.3 count them, system minutes as 7.1.4). */
function yearTotals(months: readonly ReturnType<typeof yearMonth>[]) {
  const sum = (pick: (m: ReturnType<typeof yearMonth>) => number | boolean | null) =>
    months.reduce((n, m) => n + (typeof pick(m) === "number" ? (pick(m) as number) : 0), 0);
  return {
    faultMinutes: sum((m) => m.figures.faultMinutes.value),
    maintenanceMinutes: sum((m) => m.figures.maintenanceMinutes.value),
    systemFaultMinutes: sum((m) => m.system.faultMinutes),
    systemMaintenanceMinutes: sum((m) => m.system.maintenanceMinutes),
    unknownMinutes: sum((m) => m.system.unknownMinutes),
    monthsWithoutData: months.filter((m) => m.figures.availability.value === null).length,
  };
}

/** What the routes and /metrics see: JSON answers and the gauges' snapshot, at the clock's now. */
function httpWiring(
  source: Omit<SlaSource, "wiring">,
  store: CollectorStore,
  clock: () => number,
  tz: string,
): SlaSource["wiring"] {
  const current = (month: string | undefined, now: number) => month ?? monthOf(now, tz);
  return {
    async month(month) {
      const now = clock();
      const m = current(month, now);
      const { result, outcomes } = await source.month(m, now);
      return { month: m, ...result, deliveryOutcomes: outcomes, manual: await store.manual.list(m) };
    },
    async year(year) {
      const now = clock();
      const months = [];
      for (const m of monthsBegun(year, tz, now))
        months.push(yearMonth(m, (await source.month(m, now)).result));
      return { year, ...(await source.year(year, now)), months, totals: yearTotals(months) };
    },
    async incidents(month) {
      const now = clock();
      const m = current(month, now);
      const { incidents, orphans } = (await source.month(m, now)).result;
      return { month: m, incidents, orphans };
    },
    async incident(id) {
      const start = parseIncidentId(id)?.start;
      if (start === undefined || !Number.isFinite(start)) return null;
      const now = clock();
      if (start >= now) return null;
      return (await source.month(monthOf(start, tz), now)).result.incidents.find((i) => i.id === id) ?? null;
    },
    registerMetrics: (registry: Registry) => {
      registerSlaMetrics(registry, () => source.snapshot());
      registerBurnMetrics(registry, () => source.burn());
    },
    snapshot: () => source.snapshot(),
  };
}
