import { z } from "zod";
import type { Interval } from "./intervals.js";

/**
 * SMTP authentication required (7.1.13) and open relay closed (7.1.14) are states, not durations:
 * the period's value is the state at its end, per service, from each service's latest verdict.
 * Failures seen earlier in the period are listed, so a fixed hole is not forgotten.
 */

/** The two checks whose verdicts are states. */
export const SecurityCheck = z.enum(["smtpAuthRequired", "openRelayClosed"]);
export type SecurityCheck = z.infer<typeof SecurityCheck>;

/** One verdict of a security check against one service (from a submission or relay probe). */
export const SecurityVerdict = z.strictObject({
  check: SecurityCheck,
  service: z.string().min(1),
  at: z.number().int(),
  ok: z.boolean(),
});
export type SecurityVerdict = z.infer<typeof SecurityVerdict>;

/** The state of one check over a period. */
export interface SecurityState {
  /** Every service's latest verdict before the end passed; `null` when no service has a verdict. */
  readonly value: boolean | null;
  /** Services whose latest verdict failed. */
  readonly failingAtEnd: string[];
  /** Services with a failed verdict inside the period, fixed or not. */
  readonly failedDuring: string[];
}

/** The state of `check` at the end of `range` (the latest verdict may predate the range). */
export function securityState(
  check: SecurityCheck,
  verdicts: readonly SecurityVerdict[],
  range: Interval,
): SecurityState {
  const latest = new Map<string, SecurityVerdict>();
  const failedDuring = new Set<string>();
  for (const v of verdicts) {
    if (v.check !== check || v.at >= range.end) continue;
    const prev = latest.get(v.service);
    if (!prev || v.at >= prev.at) latest.set(v.service, v);
    if (!v.ok && v.at >= range.start) failedDuring.add(v.service);
  }
  const failingAtEnd = [...latest.values()].filter((v) => !v.ok).map((v) => v.service);
  return {
    value: latest.size === 0 ? null : failingAtEnd.length === 0,
    failingAtEnd: failingAtEnd.sort(),
    failedDuring: [...failedDuring].sort(),
  };
}
