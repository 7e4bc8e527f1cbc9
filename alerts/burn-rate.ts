import { INDICATORS } from "../contract/indicators.js";
import type { AlertOptions } from "./options.js";
import { alertRule, num, type AlertRule, type Severity } from "./rule.js";

/**
 * Multi-window burn rates of the 7.1.2 fault budget (as in the Google SRE workbook, pyrra, sloth).
 * The "error rate" is `mailsla_fault_users_ratio`: the share of users in fault at each instant. Its
 * average over a window, divided by the share the budget allows (400 minutes of 30 days), is the
 * burn rate: 1 spends the budget exactly over a 30-day month. A long window says the burn is real;
 * a short one says it is still going on, so the alert resolves soon after the fault ends.
 */

/** One pair of windows and the burn rate both must exceed. */
export interface BurnWindow {
  readonly severity: Severity;
  readonly long: string;
  readonly short: string;
  readonly factor: number;
  /** Share of the month's budget spent in `long` at exactly `factor`. */
  readonly budgetShare: number;
  readonly forMs: number;
}

/** The windows, fastest first. */
export const BURN_WINDOWS: readonly BurnWindow[] = [
  // 2 % of the budget in 1 h: at this pace 400 minutes last about 2 days. Wake someone.
  { severity: "page", long: "1h", short: "5m", factor: 14.4, budgetShare: 0.02, forMs: 2 * 60_000 },
  // 5 % in 6 h: gone in 5 days. Wake someone: by the morning a fifth of the month is spent.
  { severity: "page", long: "6h", short: "30m", factor: 6, budgetShare: 0.05, forMs: 15 * 60_000 },
  // 10 % in 1 d: gone in 10 days. A ticket for the working day.
  { severity: "ticket", long: "1d", short: "2h", factor: 3, budgetShare: 0.1, forMs: 60 * 60_000 },
  // 10 % in 3 d: the budget runs out just at the end of a 30-day month. A ticket.
  { severity: "ticket", long: "3d", short: "6h", factor: 1, budgetShare: 0.1, forMs: 3 * 3_600_000 },
];

/** The month the budget is spread over, in minutes (30 days). */
const BUDGET_MONTH_MINUTES = 30 * 24 * 60;

/** The share of users in fault, over the month, that 7.1.2 allows: "400 / 43200" in the rules. */
export function budgetRatioExpr(): string {
  return `(${INDICATORS.faultMinutes.target} / ${BUDGET_MONTH_MINUTES})`;
}

function burnExpr(window: string): string {
  return `avg_over_time(mailsla_fault_users_ratio[${window}]) / ${budgetRatioExpr()}`;
}

function burnRule(o: AlertOptions, w: BurnWindow): AlertRule {
  const f = INDICATORS.faultMinutes;
  const days = num(Math.round((30 / w.factor) * 10) / 10);
  return alertRule(o, {
    name: w.severity === "page" ? "MailslaFaultBudgetFastBurn" : "MailslaFaultBudgetSlowBurn",
    expr: `
max(${burnExpr(w.long)}) > ${num(w.factor)}
and
max(${burnExpr(w.short)}) > ${num(w.factor)}`,
    forMs: w.forMs,
    severity: w.severity,
    clause: f.clause,
    labels: { window: w.long },
    summary: `Fault budget burning {{ $value | humanize }}x over ${w.long} (SPEC ${f.clause} ${f.comparison} ${f.target} min/month)`,
    description:
      `Over the last ${w.long} (and still over the last ${w.short}) users in fault spent the SPEC ${f.clause} budget ` +
      `(${f.comparison} ${f.target} user-weighted fault minutes a month) {{ $value | humanize }} times as fast as a ` +
      `30-day month allows. The threshold is ${num(w.factor)}x: ${num(w.budgetShare * 100)} % of the month's budget ` +
      `in ${w.long}, which would spend all of it in about ${days} days.`,
  });
}

/** One rule per window pair: page on fast burn, ticket on slow burn. */
export function burnRateRules(o: AlertOptions): AlertRule[] {
  return BURN_WINDOWS.map((w) => burnRule(o, w));
}
