import { INDICATORS } from "../contract/indicators.js";
import { promDuration, type AlertOptions } from "./options.js";
import { alertRule, num, type RuleGroup } from "./rule.js";

/**
 * Availability (SPEC 7.1.4): a service down from the quorum of vantage points pages at once; a
 * month heading below 99 % opens a ticket while there is still time to act. Announced maintenance
 * is shown as its own alert and keeps the down page quiet (7.1.3 counts it, not 7.1.4).
 */

const A = INDICATORS.availability;
const pct = (ratio: number) => `${num(ratio * 100)} %`;

/** How far back the month-end projection takes its pace. */
const PROJECTION_WINDOW = "1d";

function serviceDown(o: AlertOptions) {
  return alertRule(o, {
    name: "MailslaServiceDown",
    // One agent's bad network is not an outage: count the vantage points whose latest check
    // failed, and subtract services inside an announced maintenance window (collector's gauge).
    expr: `
(count by (service) (mailsla_check_success == 0) >= ${o.quorum})
unless on (service)
(max by (service) (mailsla_maintenance_active) == 1)`,
    forMs: o.failingForMs,
    severity: "page",
    clause: A.clause,
    summary: `{{ $labels.service }} is down from {{ $value }} vantage points (SPEC ${A.clause})`,
    description:
      `{{ $value }} vantage points (quorum ${o.quorum}) have seen {{ $labels.service }} fail its check for ` +
      `${promDuration(o.failingForMs)}, outside any announced maintenance. Every minute counts as fault: ` +
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
  const end = 'max(mailsla_sla_period_end_timestamp_seconds{period="month"})';
  const start = 'max(mailsla_sla_period_start_timestamp_seconds{period="month"})';
  return alertRule(o, {
    name: "MailslaAvailabilityProjectedBelowTarget",
    // The month's system fault time so far, extended to the month's end at the pace of the last
    // day (predict_linear), as a share of the whole month.
    expr: `
1 - (
  predict_linear(mailsla_sla_system_fault_seconds[${PROJECTION_WINDOW}], scalar(${end}) - time())
  / scalar(${end} - ${start})
) < ${num(A.target)}`,
    forMs: 30 * 60_000,
    severity: "ticket",
    clause: A.clause,
    summary: `Availability projected at {{ $value | humanizePercentage }} at month end (SPEC ${A.clause} ${A.comparison} ${pct(A.target)})`,
    description:
      `If faults go on at the pace of the last ${PROJECTION_WINDOW}, this month's system availability ends at ` +
      `{{ $value | humanizePercentage }}, below SPEC ${A.clause} ${A.title} ${A.comparison} ${pct(A.target)}. ` +
      `Fix the faults behind it before the month is lost.`,
  });
}

/** Rules of SPEC 7.1.4 and the maintenance that excuses down time from it. */
export function availabilityRules(o: AlertOptions): RuleGroup {
  return {
    name: "mailsla-availability",
    rules: [serviceDown(o), maintenanceActive(o), availabilityProjected(o)],
  };
}
