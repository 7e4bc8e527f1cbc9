import { INDICATORS } from "../contract/indicators.js";
import { BURN_RATE_METRIC, BURN_WINDOWS, windowLabel, type BurnWindow } from "./collector-windows.js";
import type { AlertOptions } from "./options.js";
import { alertRule, num, type AlertRule } from "./rule.js";

/**
 * Multi-window burn rates of the 7.1.2 fault budget (as in the Google SRE workbook, pyrra, sloth).
 * The burn rate is the collector's `mailsla_sla_fault_budget_burn_rate{window}`: user-weighted
 * fault minutes of the window, computed from its ledger, divided by the minutes the budget allows
 * (400 of 30 days). 1 spends the budget exactly over a 30-day month. A long window says the burn is
 * real; a short one says it is still going on, so the alert resolves soon after the fault ends.
 * No range vector is read, so a Prometheus with little history cannot inflate it
 * (alerts/collector-windows.ts).
 */

function burnExpr(windowMs: number): string {
  return `max(${BURN_RATE_METRIC}{window="${windowLabel(windowMs)}"})`;
}

function burnRule(o: AlertOptions, w: BurnWindow): AlertRule {
  const f = INDICATORS.faultMinutes;
  const days = num(Math.round((30 / w.factor) * 10) / 10);
  const long = windowLabel(w.longMs);
  const short = windowLabel(w.shortMs);
  return alertRule(o, {
    name: w.severity === "page" ? "MailslaFaultBudgetFastBurn" : "MailslaFaultBudgetSlowBurn",
    expr: `
${burnExpr(w.longMs)} > ${num(w.factor)}
and
${burnExpr(w.shortMs)} > ${num(w.factor)}`,
    forMs: w.forMs,
    severity: w.severity,
    clause: f.clause,
    labels: { window: long },
    summary: `Fault budget burning {{ $value | humanize }}x over ${long} (SPEC ${f.clause} ${f.comparison} ${f.target} min/month)`,
    description:
      `Over the last ${long} (and still over the last ${short}) users in fault spent the SPEC ${f.clause} budget ` +
      `(${f.comparison} ${f.target} user-weighted fault minutes a month) {{ $value | humanize }} times as fast as a ` +
      `30-day month allows, by the collector's ledger. The threshold is ${num(w.factor)}x: ${num(w.budgetShare * 100)} % ` +
      `of the month's budget in ${long}, which would spend all of it in about ${days} days.`,
  });
}

/** One rule per window pair: page on fast burn, ticket on slow burn. */
export function burnRateRules(o: AlertOptions): AlertRule[] {
  return BURN_WINDOWS.map((w) => burnRule(o, w));
}
