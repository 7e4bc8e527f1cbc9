import { INDICATORS } from "../contract/indicators.js";
import { promDuration } from "./options.js";
import type { Severity } from "./rule.js";

/**
 * What the rules ask the collector to compute from its own ledger instead of averaging Prometheus
 * samples: the 7.1.2 burn rate over fixed windows and the 7.1.4 month-end projection. Prometheus
 * has only the history it has been running for; a fresh or restarted one averaged a 3-minute
 * outage over 10 minutes and paged as if a whole hour burnt (issue 10). The collector holds the
 * whole ledger, so the windows are always whole. The collector reads this table (collector/ may
 * import alerts/), so the gauges it exports and the rules that read them cannot disagree.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** One pair of windows (as in the Google SRE workbook) and the burn rate both must exceed. */
export interface BurnWindow {
  readonly severity: Severity;
  readonly longMs: number;
  readonly shortMs: number;
  readonly factor: number;
  /** Share of the month's budget spent in the long window at exactly `factor`. */
  readonly budgetShare: number;
  readonly forMs: number;
}

/** The windows, fastest first. */
export const BURN_WINDOWS: readonly BurnWindow[] = [
  // 2 % of the budget in 1 h: at this pace 400 minutes last about 2 days. Wake someone.
  { severity: "page", longMs: HOUR, shortMs: 5 * MINUTE, factor: 14.4, budgetShare: 0.02, forMs: 2 * MINUTE },
  // 5 % in 6 h: gone in 5 days. Wake someone: by the morning a fifth of the month is spent.
  {
    severity: "page",
    longMs: 6 * HOUR,
    shortMs: 30 * MINUTE,
    factor: 6,
    budgetShare: 0.05,
    forMs: 15 * MINUTE,
  },
  // 10 % in 1 d: gone in 10 days. A ticket for the working day.
  { severity: "ticket", longMs: DAY, shortMs: 2 * HOUR, factor: 3, budgetShare: 0.1, forMs: HOUR },
  // 10 % in 3 d: the budget runs out just at the end of a 30-day month. A ticket.
  { severity: "ticket", longMs: 3 * DAY, shortMs: 6 * HOUR, factor: 1, budgetShare: 0.1, forMs: 3 * HOUR },
];

/** Every window the collector exports a burn rate for, shortest first, once each. */
export function burnWindowsMs(): number[] {
  return [...new Set(BURN_WINDOWS.flatMap((w) => [w.longMs, w.shortMs]))].sort((a, b) => a - b);
}

/** The `window` label of a window: its Prometheus duration ("5m", "1h", "1d", "3d"). */
export const windowLabel = (ms: number): string => promDuration(ms);

/** The month the 7.1.2 budget is spread over for a burn rate, in minutes (30 days). */
export const BUDGET_MONTH_MINUTES = 30 * 24 * 60;

/** The share of users in fault, over the month, that 7.1.2 allows (400 / 43200): burn rate 1. */
export function allowedFaultRatio(): number {
  return INDICATORS.faultMinutes.target / BUDGET_MONTH_MINUTES;
}

/** The collector's burn-rate gauge (label `window`). */
export const BURN_RATE_METRIC = "mailsla_sla_fault_budget_burn_rate";

/** The collector's gauge of the share of each burn window the monitoring saw (label `window`). */
export const BURN_COVERAGE_METRIC = "mailsla_sla_fault_budget_burn_coverage_ratio";

/** How far back the month-end projection of 7.1.4 takes its pace. */
export const PROJECTION_WINDOW_MS = DAY;

/** The collector's gauge of 7.1.4 availability projected to the month's end. */
export const PROJECTION_METRIC = "mailsla_sla_availability_projected_ratio";
