import { z } from "zod";
import type { EngineInput } from "./timeline.js";
import { vantageState } from "./vantage-state.js";

/**
 * What broke, as the agent saw it: the error code and stage of the first failed result of each
 * failing run. The engine's series carry only pass/fail (a year of them must stay compact), so the
 * collector looks up these few rows in its ledger and hands them in; the engine stays pure and
 * names, per incident, the code and stage each service first failed with.
 */

/** The first failed result of one failing run of (service, vantage point). */
export const FailureCause = z.strictObject({
  service: z.string().min(1),
  vantage: z.string().min(1),
  /** The run's first failed result, Unix ms: where the vantage point's failing interval starts. */
  at: z.number().int(),
  /** The closed error code of contract/errors.ts, e.g. "connect", "auth". */
  code: z.string().nullable(),
  /** The stage that failed, e.g. "connect", "login". */
  stage: z.string().nullable(),
});
export type FailureCause = z.infer<typeof FailureCause>;

/** Where a failing run starts: the result whose code and stage name the run's cause. */
export interface RunStart {
  readonly service: string;
  readonly vantage: string;
  readonly at: number;
}

/**
 * The start of every failing run in `input.series`, by the engine's own rule (consecutive failures,
 * staleness): exactly the results whose cause {@link FailureCause} the incidents name. A collector
 * reads only these rows' codes, never one per result.
 */
export function runStarts(input: Pick<EngineInput, "setup" | "series" | "now">): RunStart[] {
  const { setup, now } = input;
  const { consecutiveFailures, staleAfterIntervals } = setup.thresholds;
  const intervals = new Map(setup.services.map((s) => [s.name, s.intervalMs]));
  const out: RunStart[] = [];
  for (const series of input.series) {
    const intervalMs = intervals.get(series.service);
    if (intervalMs === undefined) continue;
    const rules = { consecutiveFailures, staleMs: staleAfterIntervals * intervalMs, now };
    for (const f of vantageState(series, rules).failing) {
      out.push({ service: series.service, vantage: series.vantage, at: f.start });
    }
  }
  return out;
}

/** Key of a run start in {@link causeIndex}. */
export function runKey(service: string, vantage: string, at: number): string {
  return JSON.stringify([service, vantage, at]);
}

/** Causes by {@link runKey}, for the engine's lookups. */
export function causeIndex(causes: readonly FailureCause[]): ReadonlyMap<string, FailureCause> {
  return new Map(causes.map((c) => [runKey(c.service, c.vantage, c.at), c]));
}
