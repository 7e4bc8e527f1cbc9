import { csvCell } from "../escape.js";
import type { ReportModel } from "./model.js";

/**
 * The indicators as CSV, one row per indicator (then one per sender reputation row, source
 * `reputation`), for the spreadsheet a manager keeps per year:
 * RFC 4180 (CRLF, quoted where needed), UTF-8 with a byte-order mark so Excel reads "±" right,
 * and a leading apostrophe on any cell that a spreadsheet would run as a formula (an operator's note).
 */

/** The columns, in order. */
export const CSV_COLUMNS = [
  "month",
  "clause",
  "title",
  "target",
  "value",
  "unit",
  "verdict",
  "error_bound",
  "source",
  "note",
] as const;

/** The CSV text (with BOM). */
export function renderCsv(model: ReportModel): string {
  const rows = model.indicators.map((r) => [
    model.month,
    r.clause,
    r.title,
    r.show.target,
    r.show.number,
    r.show.unit,
    r.verdict,
    r.show.bound,
    r.source,
    r.note ?? "",
  ]);
  // the sender reputation rows (issue 14): pass/fail against their clause, the evidence as the note
  const reputation = model.reputation.map((r) => [
    model.month,
    r.clause,
    r.title,
    "pass",
    "",
    "",
    r.verdict,
    "",
    "reputation",
    r.evidence,
  ]);
  // probe messages filed as spam (7.1.11 false positives), one row per direction with arrivals
  const junk = model.junk
    .filter((j) => j.arrived > 0)
    .map((j) => [
      model.month,
      "7.1.11",
      `Probe messages filed as spam (${j.direction}): false positives`,
      "reported",
      j.show.rate.replace(/ %$/, ""),
      "%",
      "reported",
      "",
      "probes",
      `${j.spam} of ${j.arrived} arrived probe messages in the Junk folder`,
    ]);
  const lines = [[...CSV_COLUMNS], ...rows, ...reputation, ...junk].map((r) => r.map(csvCell).join(","));
  return `\uFEFF${lines.join("\r\n")}\r\n`;
}
