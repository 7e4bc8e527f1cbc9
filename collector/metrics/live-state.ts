import type { PeriodResult } from "../sla/engine.js";
import type { YearResult } from "../sla/year.js";

/**
 * What the collector's /metrics needs besides the engine's period results: the state of things
 * *now*. The month and year figures say how the period stands; alerts and the NOC also need to
 * know what is down at this minute, which maintenance is running, and which agents still report.
 * The store fills this in; the metrics only read it.
 */

/** A service's state in one segment now, as the engine's quorum decides it (DESIGN step 2). */
export type ServiceStateNow = "up" | "down" | "unknown";

/** One (service, segment) pair the configuration declares, with its state now. */
export interface ServiceSegmentState {
  readonly service: string;
  readonly segment: string;
  readonly state: ServiceStateNow;
}

/** A declared maintenance window that has not ended yet (running or announced for later). */
export interface OpenMaintenance {
  readonly id: string;
  /** Unix ms, `[start, end)`; `end` is the effective end (cancellation applied). */
  readonly start: number;
  readonly end: number;
  /** Announced less than 24 h before its start: a 6.1.6 violation. */
  readonly late: boolean;
  /** How its down time counts (a late window counts as fault unless configured otherwise). */
  readonly countsAs: "fault" | "maintenance";
  /** The (service, segment) pairs it covers, "all" already resolved to names. */
  readonly covers: readonly { readonly service: string; readonly segment: string }[];
}

/** The state of the monitored system now. */
export interface LiveState {
  /** `operator.totalUsers`: the denominator of every user weighting (7.1.2). */
  readonly totalUsers: number;
  /** Every configured segment with its users. */
  readonly segments: readonly { readonly name: string; readonly users: number }[];
  /** Every configured (service, segment) pair. */
  readonly services: readonly ServiceSegmentState[];
  /** Windows not ended at `now`. */
  readonly maintenance: readonly OpenMaintenance[];
  /** Every configured vantage point with the time of its agent's last push (Unix ms; `null`: never). */
  readonly agents: readonly { readonly vantage: string; readonly lastPushAt: number | null }[];
}

/**
 * Everything one scrape of the SLA metrics reads, taken at one instant so that every series of a
 * scrape agrees with the others. `month` and `year` are the engine's results for the current
 * calendar month and year at `now` (usually partial).
 */
export interface SlaSnapshot {
  readonly now: number;
  readonly month: PeriodResult;
  readonly year: YearResult;
  readonly live: LiveState;
}

/** Called on every scrape; may be async (the store computes the engine's results on demand). */
export type SlaProvider = () => SlaSnapshot | Promise<SlaSnapshot>;
