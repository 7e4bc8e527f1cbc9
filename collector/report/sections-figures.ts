import { RULES } from "../../contract/indicators.js";
import type { ReportModel, Verdict } from "./model.js";
import { whatBrokeBlocks } from "./sections-orphans.js";
import { tableOrNote, type Cell, type Section, type Tone } from "./sections.js";

/** The sections about the indicators and what made them: incidents, maintenance, force majeure. */

const TONE: Record<Verdict, Tone> = {
  pass: "pass",
  fail: "fail",
  unproven: "warn",
  "not entered": "muted",
  reported: "plain",
};

/** The line under an indicator's title: why it is UNPROVEN first, then the note on its value. */
function subOf(r: ReportModel["indicators"][number]): string | null {
  const why = r.verdict === "unproven" && r.evidence ? `unproven: ${r.evidence}` : null;
  return [why, r.note].filter((x): x is string => x !== null && x !== "").join(" · ") || null;
}

/** Every indicator against its target, with the verdict counts as headline. */
export function indicatorSection(m: ReportModel): Section {
  const rows = m.indicators.map((r): Cell[] => [
    { text: r.clause },
    { text: r.title, ...(subOf(r) ? { sub: subOf(r)! } : {}) },
    { text: r.show.target },
    { text: r.show.value, ...(r.show.bound ? { sub: r.show.bound } : {}), bold: r.value !== null },
    {
      text: r.verdict,
      tone: TONE[r.verdict],
      bold: r.verdict === "fail" || r.verdict === "unproven",
    },
  ]);
  const s = m.summary;
  const headline =
    `${s.pass} pass, ${s.fail} fail, ${s.unproven} UNPROVEN, ` +
    `${s.notEntered} not entered, ${s.reported} reported only.` +
    (s.unproven > 0
      ? ` UNPROVEN: the monitoring did not see enough of the month to prove these verdicts either way` +
        ` (no data, or unknown time that could hold a failure); they are not passes.`
      : "");
  return {
    title: "Indicators (SPEC 7.1 measured and entered, 7.2 entered)",
    blocks: [
      { kind: "text", text: headline, tone: s.fail > 0 ? "fail" : s.unproven > 0 ? "warn" : "pass" },
      {
        kind: "table",
        table: {
          columns: [
            { title: "Clause", width: 7.5 },
            { title: "Indicator", width: 35 },
            { title: "Target", width: 20, align: "right" },
            { title: "Value", width: 22, align: "right" },
            { title: "Verdict", width: 15.5 },
          ],
          rows,
        },
      },
    ],
  };
}

/** Incidents with what broke, durations, affected users and weights, under the daily chart. */
export function incidentSection(m: ReportModel): Section {
  const rows = m.incidents.map((i): Cell[] => [
    { text: i.show.span, sub: i.cause ? `${i.id}; cause: ${i.cause}` : i.id },
    { text: i.segment },
    {
      text: i.show.faultMinutes,
      ...(i.forceMajeureMinutes > 0 ? { sub: `+ ${i.show.forceMajeureMinutes} force majeure` } : {}),
    },
    { text: i.show.affectedUsers, ...(i.overridden ? { sub: "set by operator" } : {}) },
    { text: i.show.weight },
    { text: i.show.weightedMinutes, bold: true },
  ]);
  return {
    title: "Incidents behind 7.1.2",
    blocks: [
      { kind: "chart", id: "daily" },
      tableOrNote(
        [
          { title: "Incident", width: 30 },
          { title: "Segment", width: 12 },
          { title: "Fault", width: 16, align: "right" },
          { title: "Affected users", width: 15, align: "right" },
          { title: "Weight", width: 12, align: "right" },
          { title: "Weighted", width: 15, align: "right" },
        ],
        rows,
        "No incident in the month.",
      ),
      ...whatBrokeBlocks(m),
    ],
  };
}

/** Maintenance windows with their notice judged (6.1.6). */
export function maintenanceSection(m: ReportModel): Section {
  const notice = RULES.maintenanceNotice;
  const rows = m.maintenance.map((w): Cell[] => [
    { text: w.show.span, sub: w.cancelled ? `${w.id} (cancelled)` : w.id },
    { text: w.show.announced },
    {
      text: w.show.notice,
      ...(w.violation ? { sub: `${w.violation} violation`, tone: "fail" as const, bold: true } : {}),
    },
    { text: w.countedAs },
    { text: w.show.downWeightedMinutes, bold: true },
  ]);
  return {
    title: `Maintenance behind 7.1.3 (notice of ${notice.target} ${notice.unit} required by ${notice.clause})`,
    blocks: [
      tableOrNote(
        [
          { title: "Window", width: 34 },
          { title: "Announced", width: 20 },
          { title: "Notice", width: 16, align: "right" },
          { title: "Counted as", width: 14 },
          { title: "Weighted down", width: 16, align: "right" },
        ],
        rows,
        "No maintenance window in the month.",
      ),
      {
        kind: "text",
        text: `Down time in a window announced late counts as ${m.lateNoticeCountsAs} (operator setting).`,
        tone: "muted",
      },
    ],
  };
}

/** Force majeure marks with their reasons, apart from the indicators (1.5). */
export function forceMajeureSection(m: ReportModel): Section {
  const rows = m.forceMajeure.marks.map((f): Cell[] => [
    {
      text: f.kind === "incident" ? `incident ${f.incidentId ?? ""}` : "time span",
      sub: `segments ${f.segments.join(", ")}${f.services ? `; services ${f.services.join(", ")}` : ""}`,
    },
    { text: f.show.span },
    { text: f.reason },
    { text: f.show.weightedMinutes, bold: true },
  ]);
  return {
    title: "Force majeure (1.5), excluded from the indicators",
    blocks: [
      { kind: "text", text: `User-weighted fault minutes excluded: ${m.forceMajeure.weightedMinutes}.` },
      ...(rows.length === 0
        ? []
        : [
            {
              kind: "table" as const,
              table: {
                columns: [
                  { title: "Mark", width: 30 },
                  { title: "Span", width: 22 },
                  { title: "Reason", width: 32 },
                  { title: "Weighted", width: 16, align: "right" as const },
                ],
                rows,
              },
            },
          ]),
    ],
  };
}
