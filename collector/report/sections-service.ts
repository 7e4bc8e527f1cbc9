import { INDICATORS } from "../../contract/indicators.js";
import type { ReportModel } from "./model.js";
import type { Cell, Section } from "./sections.js";

/** The sections about delivery, security, monitoring coverage, the year and the trend. */

/** Who, what month, when: the facts at the top of every format. */
export function headerFacts(m: ReportModel): [string, string][] {
  const facts: [string, string][] = [
    ["Operator", m.operator.name],
    ["Month", `${m.month} (${m.period.start} to ${m.period.end}, ${m.operator.timeZone})`],
    ["Users", m.operator.totalUsers.toLocaleString("en-US")],
    ["Generated", `${m.generatedAt} (${m.operator.timeZone})`],
  ];
  if (m.period.partial) facts.push(["Note", "the month is still running: every value is so far"]);
  return facts;
}

/** Sending and receiving delay, loss, and the distribution chart (7.1.8, 7.1.9, 7.1.12). */
export function deliverySection(m: ReportModel): Section {
  const rows = m.delivery.map((d): Cell[] => [
    { text: d.direction === "send" ? "Sending" : "Receiving", sub: d.clause },
    { text: String(d.samples), ...(d.inFlight > 0 ? { sub: `${d.inFlight} in flight` } : {}) },
    { text: d.show.average, bold: true },
    { text: d.show.maximum, bold: true },
    { text: String(d.lost) },
    { text: d.show.lossRate },
  ]);
  return {
    title: "Delivery delay and loss (7.1.8, 7.1.9, 7.1.12)",
    blocks: [
      {
        kind: "table",
        table: {
          columns: [
            { title: "Direction", width: 18 },
            { title: "Delivered", width: 14, align: "right" },
            { title: "Average", width: 18, align: "right" },
            { title: "Maximum", width: 18, align: "right" },
            { title: "Lost", width: 12, align: "right" },
            { title: "Loss rate", width: 20, align: "right" },
          ],
          rows,
        },
      },
      { kind: "chart", id: "delays" },
    ],
  };
}

/** SMTP AUTH and open relay (7.1.13, 7.1.14): services failing now, and holes fixed during the month. */
export function securitySection(m: ReportModel): Section {
  const rows = m.security.map((s): Cell[] => [
    { text: s.clause },
    { text: INDICATORS[s.check as "smtpAuthRequired" | "openRelayClosed"].title },
    s.value === null
      ? { text: "no data: no check ran", tone: "warn" }
      : { text: s.failingAtEnd.join(", ") || "none", tone: s.failingAtEnd.length > 0 ? "fail" : "pass" },
    s.value === null
      ? { text: "no data", tone: "muted" }
      : { text: s.failedDuring.join(", ") || "none", tone: s.failedDuring.length > 0 ? "warn" : "plain" },
  ]);
  return {
    title: "Security checks (7.1.13, 7.1.14)",
    blocks: [
      {
        kind: "table",
        table: {
          columns: [
            { title: "Clause", width: 12 },
            { title: "Check", width: 38 },
            { title: "Failing at month end", width: 25 },
            { title: "Failed during month", width: 25 },
          ],
          rows,
        },
      },
    ],
  };
}

/** How much of the month the monitoring saw (6.1.2), and each segment's minutes. */
export function coverageSection(m: ReportModel): Section {
  const rows = m.segments.map((s): Cell[] => [
    { text: s.segment },
    { text: s.users },
    { text: s.faultMinutes },
    { text: s.maintenanceMinutes },
    { text: s.forceMajeureMinutes },
    { text: s.unknownMinutes },
  ]);
  const right = "right" as const;
  return {
    title: "Monitoring coverage (6.1.2) and segments",
    blocks: [
      {
        kind: "facts",
        pairs: [
          ["Coverage", `${m.coverage.show} of the month (${m.coverage.unknownMinutes} unknown)`],
          ...m.coverage.services.map((s): [string, string] => [`Service ${s.service}`, s.show]),
        ],
      },
      {
        kind: "table",
        table: {
          columns: [
            { title: "Segment", width: 16 },
            { title: "Users", width: 16, align: right },
            { title: "Fault", width: 17, align: right },
            { title: "Maintenance", width: 17, align: right },
            { title: "Force majeure", width: 17, align: right },
            { title: "Unknown", width: 17, align: right },
          ],
          rows,
        },
      },
      { kind: "text", text: "Segment minutes are not weighted by users.", tone: "muted" },
    ],
  };
}

/** 7.1.5 for the year, and the 12-month trend of the time figures. */
export function yearSection(m: ReportModel): Section {
  const y = m.year;
  const rows = m.trend.map((t): Cell[] => [
    { text: t.month, bold: t.month === m.month },
    { text: t.show.faultMinutes },
    { text: t.show.maintenanceMinutes },
    { text: t.show.availability },
    { text: t.show.faultFreeRate },
    { text: t.show.faultDays },
    { text: t.show.coverage, tone: t.coverage !== null && t.coverage < 0.99 ? "warn" : "plain" },
    { text: t.verdict, tone: t.verdict === "fail" ? "fail" : t.verdict === "unproven" ? "warn" : "pass" },
  ]);
  const right = "right" as const;
  return {
    title: `Year ${y.year} and the last 12 months`,
    blocks: [
      {
        kind: "facts",
        pairs: [
          ["Fault-free days (7.1.5)", `${y.show.faultFreeDays} (target ${y.show.target}): ${y.verdict}`],
          ["Budget", y.show.budget],
          ["Projection", y.show.projection],
          ["Days elapsed", `${y.elapsedDays} of ${y.daysInYear}`],
        ],
      },
      { kind: "chart", id: "trend" },
      {
        kind: "table",
        table: {
          columns: [
            { title: "Month", width: 10 },
            { title: "Fault (7.1.2)", width: 13, align: right },
            { title: "Maint. (7.1.3)", width: 13, align: right },
            { title: "Avail. (7.1.4)", width: 13, align: right },
            { title: "Fault-free (7.1.10)", width: 15, align: right },
            { title: "Fault days", width: 10, align: right },
            { title: "Coverage", width: 12, align: right },
            { title: "Verdict", width: 14 },
          ],
          rows,
        },
      },
    ],
  };
}

/** Anything the engine or the entered values warned about; no section when there is nothing. */
export function warningSection(m: ReportModel): Section[] {
  if (m.warnings.length === 0) return [];
  return [
    {
      title: "Warnings",
      blocks: m.warnings.map((w) => ({ kind: "text" as const, text: w, tone: "warn" as const })),
    },
  ];
}
