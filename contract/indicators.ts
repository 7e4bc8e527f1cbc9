/**
 * The indicators of the ISC "Internet Public E-mail Service Specification (trial)" (2004) that
 * mailsla measures or reports, each with its clause, target and unit. This is the one place a
 * target is written: the engine, /metrics help texts, alert rules, dashboards and the monthly
 * report all read it from here, so a number can always be traced back to its clause.
 */

/** How a value is compared with its target. */
export type Comparison = "<=" | ">=" | "required" | "reported";

/** One indicator of the specification. */
export interface Indicator {
  /** The specification's own clause number. */
  clause: string;
  /** Short English name, as used in reports and dashboards. */
  title: string;
  comparison: Comparison;
  /** Target in `unit`; absent for indicators that are only reported. */
  target?: number;
  unit: "minutes" | "ratio" | "days" | "seconds" | "hours" | "boolean" | "count" | "workingDays" | "months";
  /** Measured by probes, or entered by the operator. */
  source: "measured" | "entered";
}

/** Every indicator by a stable key (the key is used in metric labels and API fields). */
export const INDICATORS = {
  maintenanceHours: {
    clause: "7.1.1",
    title: "Maintenance service hours (5x8 h)",
    comparison: "required",
    unit: "boolean",
    source: "entered",
  },
  faultMinutes: {
    clause: "7.1.2",
    title: "Monthly user-weighted fault duration",
    comparison: "<=",
    target: 400,
    unit: "minutes",
    source: "measured",
  },
  maintenanceMinutes: {
    clause: "7.1.3",
    title: "Monthly user-weighted maintenance duration",
    comparison: "<=",
    target: 500,
    unit: "minutes",
    source: "measured",
  },
  availability: {
    clause: "7.1.4",
    title: "System availability",
    comparison: ">=",
    target: 0.99,
    unit: "ratio",
    source: "measured",
  },
  faultFreeDays: {
    clause: "7.1.5",
    title: "Fault-free days per year",
    comparison: ">=",
    target: 300,
    unit: "days",
    source: "measured",
  },
  billingErrorRate: {
    clause: "7.1.6",
    title: "Billing error rate",
    comparison: "<=",
    target: 3e-5,
    unit: "ratio",
    source: "entered",
  },
  logRetention: {
    clause: "7.1.7.2",
    title: "Login log retention",
    comparison: ">=",
    target: 60,
    unit: "days",
    source: "entered",
  },
  sendDelayAverage: {
    clause: "7.1.8",
    title: "Sending delay, average",
    comparison: "<=",
    target: 600,
    unit: "seconds",
    source: "measured",
  },
  sendDelayMaximum: {
    clause: "7.1.8",
    title: "Sending delay, maximum",
    comparison: "<=",
    target: 10_800,
    unit: "seconds",
    source: "measured",
  },
  receiveDelayAverage: {
    clause: "7.1.9",
    title: "Receiving delay, average",
    comparison: "<=",
    target: 600,
    unit: "seconds",
    source: "measured",
  },
  receiveDelayMaximum: {
    clause: "7.1.9",
    title: "Receiving delay, maximum",
    comparison: "<=",
    target: 10_800,
    unit: "seconds",
    source: "measured",
  },
  faultFreeRate: {
    clause: "7.1.10",
    title: "Average fault-free rate",
    comparison: ">=",
    target: 0.99,
    unit: "ratio",
    source: "measured",
  },
  spamRatio: {
    clause: "7.1.11",
    title: "Spam ratio",
    comparison: "reported",
    unit: "ratio",
    source: "entered",
  },
  lossRate: {
    clause: "7.1.12",
    title: "Normal-mail loss rate",
    comparison: "reported",
    unit: "ratio",
    source: "measured",
  },
  smtpAuthRequired: {
    clause: "7.1.13",
    title: "SMTP authentication required",
    comparison: "required",
    unit: "boolean",
    source: "measured",
  },
  openRelayClosed: {
    clause: "7.1.14",
    title: "Open relay closed",
    comparison: "required",
    unit: "boolean",
    source: "measured",
  },
  sendingLimits: {
    clause: "7.1.15",
    title: "Per-user sending limits",
    comparison: "required",
    unit: "boolean",
    source: "entered",
  },
  // 7.2: customer service, entered by the operator each month and shown in the report. Working
  // days are mainland-China working days (SPEC.md).
  customerServiceHours: {
    clause: "7.2.1",
    title: "Staffed customer service (5x8 h)",
    comparison: "required",
    unit: "boolean",
    source: "entered",
  },
  enquiryAnswerTime: {
    clause: "7.2.2",
    title: "Answer to e-mailed enquiries and complaints",
    comparison: "<=",
    target: 3,
    unit: "workingDays",
    source: "entered",
  },
  complaintResolutionTime: {
    clause: "7.2.3",
    title: "Average complaint resolution",
    comparison: "<=",
    target: 5,
    unit: "workingDays",
    source: "entered",
  },
  hotlineConnectionRate: {
    clause: "7.2.4",
    title: "Hotline connection rate",
    comparison: ">=",
    target: 0.8,
    unit: "ratio",
    source: "entered",
  },
  hotlineHumanRate: {
    clause: "7.2.5",
    title: "Hotline human connection rate (complaints)",
    comparison: ">=",
    target: 0.2,
    unit: "ratio",
    source: "entered",
  },
  complaintSatisfaction: {
    clause: "7.2.6",
    title: "Complaint-handling satisfaction",
    comparison: ">=",
    target: 0.8,
    unit: "ratio",
    source: "entered",
  },
  billingDataRetention: {
    clause: "7.2.7",
    title: "Billing data retention",
    comparison: ">=",
    target: 6,
    unit: "months",
    source: "entered",
  },
  complaintReplyRate: {
    clause: "7.2.8",
    title: "E-mail complaint reply rate",
    comparison: ">=",
    target: 0.8,
    unit: "ratio",
    source: "entered",
  },
  complaintHandlingRate: {
    clause: "7.2.9",
    title: "E-mail complaint handling rate",
    comparison: ">=",
    target: 0.8,
    unit: "ratio",
    source: "entered",
  },
} as const satisfies Record<string, Indicator>;

/** Key of an indicator in {@link INDICATORS}. */
export type IndicatorKey = keyof typeof INDICATORS;

/** "7.1.2 Monthly user-weighted fault duration <= 400 minutes": the phrase every help text and report uses. */
export function describeIndicator(key: IndicatorKey): string {
  const i: Indicator = INDICATORS[key];
  const target = i.target === undefined ? i.comparison : `${i.comparison} ${i.target} ${i.unit}`;
  return `SPEC ${i.clause} ${i.title} (${target})`;
}

/**
 * Figures of the specification that are rules on the operator's conduct rather than monthly
 * indicators, kept here so their numbers too are written once.
 */
export const RULES = {
  maintenanceNotice: {
    clause: "6.1.6",
    title: "Advance notice of a planned interruption",
    comparison: ">=",
    target: 24,
    unit: "hours",
    source: "entered",
  },
} as const satisfies Record<string, Indicator>;
