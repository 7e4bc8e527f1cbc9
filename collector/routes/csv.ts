/**
 * A small RFC 4180 CSV reader and writer for the manual indicators: operators keep these figures
 * in a spreadsheet, so the API takes and gives one row per clause. Quoted fields may hold commas,
 * quotes ("") and line breaks; an unterminated quote is an error, never a silent truncation. Cells a
 * spreadsheet would run as a formula are written defused (collector/escape.ts) and read back as given.
 */

import { csvCell, csvValue } from "../escape.js";

/** Splits CSV text into rows of fields; blank lines are skipped. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // a spreadsheet's byte-order mark
  const endRow = () => {
    row.push(csvValue(field));
    if (row.length > 1 || row[0] !== "") rows.push(row);
    row = [];
    field = "";
  };
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c !== '"') field += c;
      else if (text[i + 1] === '"') field += text[++i];
      else quoted = false;
    } else if (c === '"' && field === "") quoted = true;
    else if (c === ",") {
      row.push(csvValue(field));
      field = "";
    } else if (c === "\n") endRow();
    else if (c !== "\r") field += c;
  }
  if (quoted) throw new SyntaxError(`unterminated quoted field in CSV line ${rows.length + 1}`);
  if (field !== "" || row.length > 0) endRow();
  return rows;
}

/** Rows to CSV text with CRLF line ends (RFC 4180). */
export function formatCsv(rows: readonly (readonly string[])[]): string {
  return rows.map((r) => r.map(csvCell).join(",")).join("\r\n") + "\r\n";
}
