import type { Config } from "../../config/schema.js";
import { runStarts } from "../sla/causes.js";
import type { Interval } from "../sla/intervals.js";
import type { LateNoticeCountsAs } from "../sla/maintenance.js";
import { setupFromConfig, type EngineInput, type EngineSetup } from "../sla/timeline.js";
import type { CollectorStore } from "../store/index.js";
import { deliveryInput, type OutcomeCounts } from "./deliveries.js";
import { loadRange } from "./load-range.js";
import { loadVerdicts } from "./security.js";

/**
 * Builds the pure engine's input (collector/sla/timeline.ts `EngineInput`) from the ledger: the one
 * place where stored results, declarations and annotations become engine data, so the HTTP API,
 * /metrics and the monthly report all compute from the same input.
 */

/** What the wiring derives from the configuration once. */
export interface SourceContext {
  readonly setup: EngineSetup;
  /** Every service with its check kind: submission and relay services carry 7.1.13/7.1.14 verdicts. */
  readonly services: readonly { readonly name: string; readonly kind: string }[];
}

/** The engine setup and service kinds of a validated configuration. */
export function sourceContext(
  config: Readonly<Config>,
  lateNoticeCountsAs: LateNoticeCountsAs = config.sla.lateNoticeCountsAs,
): SourceContext {
  return {
    setup: setupFromConfig(config, lateNoticeCountsAs),
    services: config.services.map((s) => ({ name: s.name, kind: s.kind })),
  };
}

/** An engine input with what was read to build it. */
export interface LoadedInput {
  readonly input: EngineInput;
  /** The check results read: the period widened by the lookback and by faults crossing its ends. */
  readonly loaded: Interval;
  /** Delivery outcomes of the messages taken over in the period, by direction. */
  readonly outcomes: OutcomeCounts;
}

/**
 * Whether an incident id `segment@ISO-start` names an incident that can start within `range`.
 * Incidents computed from results read over `range` start inside it, so annotations of other
 * incidents are left out rather than reported as naming an incident that does not exist.
 */
export function incidentIn(incidentId: string, range: Interval): boolean {
  const start = Date.parse(incidentId.slice(incidentId.lastIndexOf("@") + 1));
  return Number.isNaN(start) || (start >= range.start && start <= range.end);
}

/** The parts of an engine input read over the range of check results `loaded`. */
export type RangeInput = Pick<
  EngineInput,
  "series" | "maintenance" | "forceMajeure" | "annotations" | "causes"
>;

/**
 * The check results read over `loaded` as series, with the code and stage of each failing run's
 * first result (what the incidents name); the maintenance windows and force majeure spans
 * overlapping it; and the annotations of incidents that can start in it (each with its time
 * anchor): what the SLA API's input and the report's wider trend and year read alike. Causes are
 * read only with `causesFor` (the setup and clock that decide where runs start): figures alone, such
 * as the burn rates, do not need them.
 */
export async function rangeInput(
  store: CollectorStore,
  loaded: Interval,
  causesFor?: { readonly setup: EngineSetup; readonly now: number },
): Promise<RangeInput> {
  const series = await store.results.observationSeries(loaded.start, loaded.end);
  return {
    series,
    ...(causesFor ? { causes: await store.results.causes(runStarts({ ...causesFor, series })) } : {}),
    maintenance: await store.maintenance.list(loaded.start, loaded.end),
    forceMajeure: await store.forceMajeure.marks(loaded.start, loaded.end),
    annotations: (await store.annotations.engineAnnotations()).filter((a) =>
      incidentIn(a.incidentId, loaded),
    ),
  };
}

/**
 * The engine input for `period` at `now`, with its bounds. Deliveries are those taken over inside
 * the period (they count in the period of their `sentAt`); maintenance windows those overlapping
 * what was read; force majeure marks and overrides those of incidents that can start in it.
 */
export async function loadInput(
  store: CollectorStore,
  ctx: SourceContext,
  now: number,
  period: Interval,
): Promise<LoadedInput> {
  const { setup } = ctx;
  const loaded = await loadRange(store.results, setup, period, now);
  const until = Math.min(period.end, now);
  const deliveries = deliveryInput(
    (await store.results.deliveries({ from: period.start, to: until })).map((d) => d.payload),
  );
  const input: EngineInput = {
    setup,
    now,
    ...(await rangeInput(store, loaded, { setup, now })),
    delays: deliveries.delays,
    inFlight: deliveries.inFlight,
    lost: deliveries.lost,
    security: await loadVerdicts(store.results, ctx.services, period.start, until),
  };
  return { input, loaded, outcomes: deliveries.outcomes };
}

/**
 * The engine input for any `range` (a month, a year, the report's twelve months) at `now`, read
 * from `store` with the configuration's setup. Results reach back the engine's lookback before the
 * range, further if a fault is under way there.
 */
export async function engineInput(
  store: CollectorStore,
  config: Readonly<Config>,
  now: number,
  range: Interval,
  lateNoticeCountsAs: LateNoticeCountsAs = config.sla.lateNoticeCountsAs,
): Promise<EngineInput> {
  return (await loadInput(store, sourceContext(config, lateNoticeCountsAs), now, range)).input;
}
