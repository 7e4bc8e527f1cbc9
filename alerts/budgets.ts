import { INDICATORS, RULES } from "../contract/indicators.js";
import type { AlertOptions } from "./options.js";
import { alertRule, num, type AlertRule, type RuleGroup } from "./rule.js";
import { burnRateRules } from "./burn-rate.js";

/**
 * Budgets of the month and the year: the fault minutes (7.1.2) by burn rate, the maintenance
 * minutes (7.1.3) and the year's fault days (7.1.5) by how much is used, and the notice a planned
 * interruption needs (6.1.6).
 */

function budgetUsed(
  o: AlertOptions,
  name: string,
  key: "maintenanceMinutes" | "faultFreeDays",
  what: string,
): AlertRule {
  const i = INDICATORS[key];
  const pct = `${num(o.budgetTicketRatio * 100)} %`;
  return alertRule(o, {
    name,
    expr: `max by (indicator) (mailsla_sla_budget_used_ratio{indicator="${key}"}) > ${num(o.budgetTicketRatio)}`,
    forMs: 5 * 60_000,
    severity: "ticket",
    clause: i.clause,
    summary: `{{ $value | humanizePercentage }} of ${what} used (SPEC ${i.clause}, ticket at ${pct})`,
    description:
      `{{ $value | humanizePercentage }} of ${what} is gone. SPEC ${i.clause} ${i.title} ${i.comparison} ${i.target} ${i.unit}; ` +
      `this ticket opens at ${pct} so there is time to plan around the rest.`,
  });
}

function lateNotice(o: AlertOptions): AlertRule {
  const n = RULES.maintenanceNotice;
  return alertRule(o, {
    name: "MailslaMaintenanceLateNotice",
    expr: "max(mailsla_maintenance_late_notice_windows) > 0",
    severity: "ticket",
    clause: n.clause,
    summary: `{{ $value }} maintenance window(s) announced less than ${n.target} h ahead (SPEC ${n.clause})`,
    description:
      `{{ $value }} declared maintenance window(s), running or still to come, were announced less than ` +
      `${n.target} hours before they start: SPEC ${n.clause} requires ${n.comparison} ${n.target} ${n.unit} of notice ` +
      `to affected customers. The report flags them, and their down time counts as fault unless configured otherwise.`,
  });
}

/** Rules of the month's and year's budgets. */
export function budgetRules(o: AlertOptions): RuleGroup {
  const m = INDICATORS.maintenanceMinutes;
  const d = INDICATORS.faultFreeDays;
  return {
    name: "mailsla-budgets",
    rules: [
      ...burnRateRules(o),
      budgetUsed(
        o,
        "MailslaMaintenanceBudgetLow",
        "maintenanceMinutes",
        `this month's ${m.target} maintenance minutes`,
      ),
      budgetUsed(
        o,
        "MailslaFaultFreeDaysAtRisk",
        "faultFreeDays",
        `this year's fault-day budget (days - ${d.target})`,
      ),
      lateNotice(o),
    ],
  };
}
