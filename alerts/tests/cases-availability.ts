import type { AlertCase } from "./promtool.js";

/**
 * promtool cases of the availability and budget alerts, numbers worked by hand: each fires when it
 * should, and stays quiet in the situation most likely to make it fire wrongly. Production `for:`
 * durations apply (promtool's clock is simulated). Expected values are as Prometheus humanizes them.
 */

const check = (vantage: string, values: string) => ({
  series: `mailsla_check_success{service="mx",kind="smtp",vantage="${vantage}"}`,
  values,
});
const serviceDown = (n: string) => ({
  labels: { severity: "page", clause: "7.1.4", service: "mx" },
  value: { "": n },
});

/** A service down from the quorum (2), and the two situations where it must not page. */
const serviceDownCases: AlertCase[] = [
  {
    name: "MailslaServiceDown: two of three vantage points failing for 2m pages",
    series: [
      check("a", "0x10"),
      check("b", "1 1 0x8"),
      check("c", "1x10"),
      { series: 'mailsla_maintenance_active{service="mx",segment="north"}', values: "0x10" },
    ],
    checks: [
      { at: "5m", alert: "MailslaMaintenanceActive", fires: [] }, // a 0 gauge is no maintenance
      { at: "3m", alert: "MailslaServiceDown", fires: [] }, // quorum reached at 2m, for: 2m not yet over
      { at: "5m", alert: "MailslaServiceDown", fires: [serviceDown("2")] },
    ],
  },
  {
    name: "MailslaServiceDown: a single vantage point failing is that agent's problem, not an outage",
    series: [check("a", "0x30"), check("b", "1x30"), check("c", "1x30")],
    checks: [{ at: "30m", alert: "MailslaServiceDown", fires: [] }],
  },
  {
    name: "MailslaServiceDown: quiet inside announced maintenance, which fires instead",
    series: [
      check("a", "0x30"),
      check("b", "0x30"),
      { series: 'mailsla_maintenance_active{service="mx",segment="north"}', values: "1x30" },
      { series: 'mailsla_maintenance_active{service="mx",segment="south"}', values: "0x30" },
      { series: 'mailsla_maintenance_active{service="imap",segment="north"}', values: "0x30" },
    ],
    checks: [
      { at: "10m", alert: "MailslaServiceDown", fires: [] },
      {
        at: "10m",
        alert: "MailslaMaintenanceActive",
        fires: [{ labels: { severity: "warning", clause: "7.1.3", service: "mx", segment: "north" } }],
      },
    ],
  },
];

const MONTH = [
  { series: 'mailsla_sla_period_start_timestamp_seconds{period="month"}', values: "0x300" },
  { series: 'mailsla_sla_period_end_timestamp_seconds{period="month"}', values: "2592000x300" },
];

/** Month end projection: a 10 % fault pace projects 90 %; a fault that is over projects nothing. */
const projectionCases: AlertCase[] = [
  {
    name: "MailslaAvailabilityProjectedBelowTarget: faults at a 10 % pace project 90 % at month end",
    series: [...MONTH, { series: 'mailsla_sla_system_fault_seconds{clause="7.1.4"}', values: "0+6x300" }],
    checks: [
      { at: "20m", alert: "MailslaAvailabilityProjectedBelowTarget", fires: [] }, // for: 30m
      {
        at: "2h",
        alert: "MailslaAvailabilityProjectedBelowTarget",
        fires: [{ labels: { severity: "ticket", clause: "7.1.4" }, value: { humanizePercentage: "90%" } }],
      },
    ],
  },
  {
    name: "MailslaAvailabilityProjectedBelowTarget: ten fault minutes that are over project 99.98 %",
    series: [...MONTH, { series: 'mailsla_sla_system_fault_seconds{clause="7.1.4"}', values: "600x300" }],
    checks: [{ at: "4h", alert: "MailslaAvailabilityProjectedBelowTarget", fires: [] }],
  },
];

const users = (values: string) => [{ series: "mailsla_fault_users_ratio", values }];
const burn = (severity: string, window: string, value: string) => ({
  labels: { severity, clause: "7.1.2", window },
  value: { humanize: value },
});

/** Burn rates: 0.6 of users in fault is 64.8x the pace 400 of 43200 minutes allows. */
const burnCases: AlertCase[] = [
  {
    name: "MailslaFaultBudgetFastBurn: 60 % of users in fault pages on both fast windows",
    series: users("0.6x120"),
    checks: [
      {
        at: "30m",
        alert: "MailslaFaultBudgetFastBurn",
        fires: [burn("page", "1h", "64.8"), burn("page", "6h", "64.8")],
      },
      { at: "30m", alert: "MailslaFaultBudgetSlowBurn", fires: [] }, // for: 1h not over yet
    ],
  },
  {
    name: "MailslaFaultBudgetFastBurn: the 1h page resolves once the last 5m are clean",
    series: users("0.6x60 0x10"),
    checks: [
      // 1h window still 64.8x on average, but the 5m window is clean: only the 6h pair still holds
      { at: "70m", alert: "MailslaFaultBudgetFastBurn", fires: [burn("page", "6h", "55.67")] },
    ],
  },
  {
    name: "MailslaFaultBudgetSlowBurn: 5 % of users in fault (5.4x) opens tickets, no page",
    series: users("0.05x300"),
    checks: [
      {
        at: "4h",
        alert: "MailslaFaultBudgetSlowBurn",
        fires: [burn("ticket", "1d", "5.4"), burn("ticket", "3d", "5.4")],
      },
      { at: "4h", alert: "MailslaFaultBudgetFastBurn", fires: [] },
    ],
  },
  {
    name: "MailslaFaultBudget*Burn: 0.5 % of users in fault (0.54x) is within budget",
    series: users("0.005x300"),
    checks: [
      { at: "4h", alert: "MailslaFaultBudgetSlowBurn", fires: [] },
      { at: "4h", alert: "MailslaFaultBudgetFastBurn", fires: [] },
    ],
  },
];

const used = (indicator: string, clause: string, values: string) => ({
  series: `mailsla_sla_budget_used_ratio{indicator="${indicator}",clause="${clause}"}`,
  values,
});

/** Maintenance minutes, fault days, late notice. */
const budgetCases: AlertCase[] = [
  {
    name: "MailslaMaintenanceBudgetLow and MailslaFaultFreeDaysAtRisk: past 80 % opens tickets",
    series: [used("maintenanceMinutes", "7.1.3", "0.85x20"), used("faultFreeDays", "7.1.5", "0.9x20")],
    checks: [
      {
        at: "10m",
        alert: "MailslaMaintenanceBudgetLow",
        fires: [
          {
            labels: { severity: "ticket", clause: "7.1.3", indicator: "maintenanceMinutes" },
            value: { humanizePercentage: "85%" },
          },
        ],
      },
      {
        at: "10m",
        alert: "MailslaFaultFreeDaysAtRisk",
        fires: [
          {
            labels: { severity: "ticket", clause: "7.1.5", indicator: "faultFreeDays" },
            value: { humanizePercentage: "90%" },
          },
        ],
      },
    ],
  },
  {
    name: "MailslaMaintenanceBudgetLow and MailslaFaultFreeDaysAtRisk: half a budget is no ticket",
    series: [used("maintenanceMinutes", "7.1.3", "0.5x20"), used("faultFreeDays", "7.1.5", "0.8x20")],
    checks: [
      { at: "10m", alert: "MailslaMaintenanceBudgetLow", fires: [] },
      { at: "10m", alert: "MailslaFaultFreeDaysAtRisk", fires: [] },
    ],
  },
  {
    name: "MailslaMaintenanceLateNotice: a window announced late opens a ticket until it is over",
    series: [{ series: 'mailsla_maintenance_late_notice_windows{clause="6.1.6"}', values: "0 1x5 0x5" }],
    checks: [
      { at: "0m", alert: "MailslaMaintenanceLateNotice", fires: [] },
      {
        at: "3m",
        alert: "MailslaMaintenanceLateNotice",
        fires: [{ labels: { severity: "ticket", clause: "6.1.6" }, value: { "": "1" } }],
      },
      { at: "9m", alert: "MailslaMaintenanceLateNotice", fires: [] },
    ],
  },
];

/** Every availability and budget case. */
export const AVAILABILITY_CASES: readonly AlertCase[] = [
  ...serviceDownCases,
  ...projectionCases,
  ...burnCases,
  ...budgetCases,
];
