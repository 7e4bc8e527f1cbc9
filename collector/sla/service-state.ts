import { atLeast, complement, type Interval } from "./intervals.js";
import type { VantageState } from "./vantage-state.js";

/**
 * Step 2 of DESIGN "From probe results to the indicators", per service: the vantage points vote.
 * A quorum keeps one agent's bad network from being counted as the operator's fault, and keeps
 * time nobody could see from being counted either way.
 */

/** The states of one service over a range, as interval lists in normal form. */
export interface ServiceState {
  readonly service: string;
  /** At least `quorum` vantage points failing: the service is down. */
  readonly down: Interval[];
  /** Fewer than `quorum` vantage points with a fresh result, and not down: neither fault nor fault-free. */
  readonly unknown: Interval[];
}

/**
 * Combines the vantage points that probe a service. A vantage point without results passes an
 * empty state (it counts towards nothing). `down` is not clipped to `range`, so a fault keeps its
 * true start for incident ids; `unknown` is within `range`.
 */
export function serviceState(
  service: string,
  vantages: readonly VantageState[],
  quorum: number,
  range: Interval,
): ServiceState {
  const down = atLeast(
    vantages.map((v) => v.failing),
    quorum,
  );
  // Failing is always within fresh, so down time is always within known time.
  const known = atLeast(
    vantages.map((v) => v.fresh),
    quorum,
  );
  return { service, down, unknown: complement(known, range) };
}
