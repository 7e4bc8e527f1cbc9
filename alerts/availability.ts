import { INDICATORS } from "../contract/indicators.js";
import { PROJECTION_METRIC, PROJECTION_WINDOW_MS, windowLabel } from "./collector-windows.js";
import { promDuration, type AlertOptions } from "./options.js";
import { alertRule, num, type AlertRule, type RuleGroup } from "./rule.js";
import { serviceGroups, type ServiceGroup } from "./service-groups.js";

/**
 * Availability (SPEC 7.1.4): a service down from the quorum of vantage points pages at once; a
 * month heading below 99 % opens a ticket while there is still time to act. Announced maintenance
 * is shown as its own alert and keeps the down page quiet (7.1.3 counts it, not 7.1.4).
 */

const A = INDICATORS.availability;
const pct = (ratio: number) => `${num(ratio * 100)} %`;

/**
 * The page of one group of services (service-groups.ts): `consecutiveFailures` of its check
 * interval, the time the engine needs to confirm a run of failures, plus one interval.
 */
function serviceDown(o: AlertOptions, g: ServiceGroup): AlertRule {
  const forMs = g.intervalMs === null ? o.failingForMs : o.consecutiveFailures * g.intervalMs;
  return alertRule(o, {
    name: "MailslaServiceDown",
    // One agent's bad network is not an outage: count the vantage points whose latest check
    // failed, and subtract services inside an announced maintenance window (collector's gauge).
    expr: `
(count by (service) (mailsla_check_success${g.matcher} == 0) >= ${o.quorum})
unless on (service)
(max by (service) (mailsla_maintenance_active) == 1)`,
    forMs,
    ...(g.intervalMs === null ? {} : { labels: { check_interval: promDuration(g.intervalMs) } }),
    severity: "page",
    clause: A.clause,
    summary: `{{ $labels.service }} is down from {{ $value }} vantage points (SPEC ${A.clause})`,
    description:
      `{{ $value }} vantage points (quorum ${o.quorum}) have seen {{ $labels.service }} fail ` +
      `${o.consecutiveFailures} checks in a row, outside any announced maintenance. Every minute counts as fault: ` +
      `SPEC ${A.clause} ${A.title} ${A.comparison} ${pct(A.target)} a month, and ` +
      `${INDICATORS.faultMinutes.clause} <= ${INDICATORS.faultMinutes.target} user-weighted fault minutes.`,
  });
}

function maintenanceActive(o: AlertOptions) {
  const m = INDICATORS.maintenanceMinutes;
  return alertRule(o, {
    name: "MailslaMaintenanceActive",
    expr: "max by (service, segment) (mailsla_maintenance_active) == 1",
    severity: "warning",
    clause: m.clause,
    summary: `Announced maintenance on {{ $labels.service }} in segment {{ $labels.segment }} (SPEC ${m.clause})`,
    description:
      `A maintenance window announced in advance covers {{ $labels.service }} in {{ $labels.segment }}. ` +
      `Its down time counts against SPEC ${m.clause} (${m.comparison} ${m.target} user-weighted minutes a month), ` +
      `not as fault; down alerts of the service are inhibited until it ends.`,
  });
}

function availabilityProjected(o: AlertOptions) {
  const window = windowLabel(PROJECTION_WINDOW_MS);
  return alertRule(o, {
    name: "MailslaAvailabilityProjectedBelowTarget",
    // The collector extends the month's system fault time to its end at the pace of the last day,
    // from its ledger: a Prometheus with ten minutes of history cannot project a 3-minute outage
    // into a lost month (collector-windows.ts).
    expr: `min(${PROJECTION_METRIC}{window="${window}"}) < ${num(A.target)}`,
    forMs: 30 * 60_000,
    severity: "ticket",
    clause: A.clause,
    summary: `Availability projected at {{ $value | humanizePercentage }} at month end (SPEC ${A.clause} ${A.comparison} ${pct(A.target)})`,
    description:
      `If faults go on at the pace of the last ${window}, this month's system availability ends at ` +
      `{{ $value | humanizePercentage }}, below SPEC ${A.clause} ${A.title} ${A.comparison} ${pct(A.target)}. ` +
      `Fix the faults behind it before the month is lost.`,
  });
}

/** Rules of SPEC 7.1.4 and the maintenance that excuses down time from it. */
export function availabilityRules(o: AlertOptions): RuleGroup {
  return {
    name: "mailsla-availability",
    ...(o.pageEvaluationMs === null ? {} : { interval: promDuration(o.pageEvaluationMs) }),
    rules: [
      ...serviceGroups(o).map((g) => serviceDown(o, g)),
      maintenanceActive(o),
      availabilityProjected(o),
    ],
  };
}
