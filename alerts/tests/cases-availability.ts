import type { AlertCase } from "./promtool.js";

/**
 * promtool cases of the availability and budget alerts that do not depend on the configuration
 * (MailslaServiceDown's are in cases-service-down.ts), numbers worked by hand: each fires when it
 * should, and stays quiet in the situation most likely to make it fire wrongly. Production `for:`
 * durations apply (promtool's clock is simulated). Expected values are as Prometheus humanizes them.
 */

const burnSeries = (rates: Record<string, string>) =>
  Object.entries(rates).map(([window, values]) => ({
    series: `mailsla_sla_fault_budget_burn_rate{clause="7.1.2",window="${window}"}`,
    values,
  }));
const all = (values: string) =>
  burnSeries(Object.fromEntries(["5m", "30m", "1h", "2h", "6h", "1d", "3d"].map((w) => [w, values])));
const burn = (severity: string, window: string, value: string) => ({
  labels: { severity, clause: "7.1.2", window },
  value: { humanize: value },
});
const projected = (values: string) => ({
  series: 'mailsla_sla_availability_projected_ratio{clause="7.1.4",window="1d"}',
  values,
});

/**
 * A Prometheus started 10 minutes ago sees every user in fault for 3 minutes (minutes 7-10). The
 * old rules averaged its own samples: 3 of 11 minutes over "1h" is a 32x burn, paged at 10m, and
 * predict_linear over "1d" drew an hour's slope to the month's end (86.9 % in issue 10). The
 * collector's gauges, from its whole ledger, say what the outage is: 64.8x over 5m but 5.4x over
 * 1h and 0.9x over 6h (test/collector/burn-gauges.test.ts computes them), 99.8 % at month end.
 */
const thinHistoryCases: AlertCase[] = [
  {
    name: "Pages need evidence: 10 minutes of Prometheus history and a 3-minute outage page neither burn nor projection",
    series: [
      // what the old rules read, still scraped: they must not matter any more
      { series: "mailsla_fault_users_ratio", values: "0x6 1x2 0x70" },
      { series: 'mailsla_sla_system_fault_seconds{clause="7.1.4"}', values: "0x7 60 120 180x70" },
      { series: 'mailsla_sla_period_start_timestamp_seconds{period="month"}', values: "0x80" },
      { series: 'mailsla_sla_period_end_timestamp_seconds{period="month"}', values: "2592000x80" },
      ...burnSeries({
        "5m": "0x7 21.6 43.2 64.8x2 43.2 21.6 0x70",
        "30m": "0x7 3.6 7.2 10.8x70",
        "1h": "0x7 1.8 3.6 5.4x70",
        "2h": "0x7 0.9 1.8 2.7x70",
        "6h": "0x7 0.3 0.6 0.9x70",
        "1d": "0x7 0.075 0.15 0.225x70",
        "3d": "0x7 0.025 0.05 0.075x70",
      }),
      projected("0.9999x7 0.9994 0.9988 0.9982x70"),
    ],
    checks: [
      { at: "10m", alert: "MailslaFaultBudgetFastBurn", fires: [] },
      { at: "12m", alert: "MailslaFaultBudgetFastBurn", fires: [] },
      { at: "75m", alert: "MailslaAvailabilityProjectedBelowTarget", fires: [] },
    ],
  },
];

/** Month end projection: the collector's figure below 99 % for 30 minutes opens a ticket. */
const projectionCases: AlertCase[] = [
  {
    name: "MailslaAvailabilityProjectedBelowTarget: the collector projecting 90 % at month end opens a ticket",
    series: [projected("0.995x10 0.9x300")],
    checks: [
      { at: "30m", alert: "MailslaAvailabilityProjectedBelowTarget", fires: [] }, // below since 11m, for: 30m
      {
        at: "45m",
        alert: "MailslaAvailabilityProjectedBelowTarget",
        fires: [{ labels: { severity: "ticket", clause: "7.1.4" }, value: { humanizePercentage: "90%" } }],
      },
    ],
  },
];

/** Burn rates: 0.6 of users in fault over every window is 64.8x the pace 400 of 43200 minutes allows. */
const burnCases: AlertCase[] = [
  {
    name: "MailslaFaultBudgetFastBurn: a full-window burn of 64.8x pages on both fast windows",
    series: all("64.8x120"),
    checks: [
      { at: "1m", alert: "MailslaFaultBudgetFastBurn", fires: [] }, // for: 2m
      { at: "5m", alert: "MailslaFaultBudgetFastBurn", fires: [burn("page", "1h", "64.8")] }, // 6h: for 15m
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
    series: burnSeries({
      "5m": "64.8x60 0x10",
      "30m": "64.8x60 53.2x10",
      "1h": "64.8x70",
      "6h": "55.67x70",
    }),
    checks: [{ at: "70m", alert: "MailslaFaultBudgetFastBurn", fires: [burn("page", "6h", "55.67")] }],
  },
  {
    name: "MailslaFaultBudgetSlowBurn: 5 % of users in fault (5.4x) opens tickets, no page",
    series: all("5.4x300"),
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
    series: all("0.54x300"),
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
  ...thinHistoryCases,
  ...projectionCases,
  ...burnCases,
  ...budgetCases,
];
