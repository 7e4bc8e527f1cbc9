import { hasUnsafeCharacter, replaceUnsafe } from "../contract/text.js";

/**
 * Escaping for every place the collector shows text: the status page, the HTML e-mail and the CSV
 * files. Text reaching these was admitted (contract/text.ts refuses control characters at ingest and
 * in the admin API), and is escaped again here for where it is shown, so a page never depends on one
 * check upstream: markup characters become entities, any control character that got in by another
 * road (an old ledger) becomes U+FFFD, and a CSV cell that a spreadsheet would run as a formula is
 * defused with a leading apostrophe.
 */

const ENTITY: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Text for an HTML text node or a quoted attribute. */
export function escapeHtml(text: string | number): string {
  let s = String(text);
  if (hasUnsafeCharacter(s)) s = replaceUnsafe(s, "\uFFFD");
  return s.replace(/[&<>"']/g, (c) => ENTITY[c]!);
}

/** One CSV cell (RFC 4180): quoted when needed, a leading = + - @ tab or CR defused with an apostrophe. */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The value a {@link csvCell} stood for, when read back: the defusing apostrophe removed. */
export function csvValue(cell: string): string {
  return /^'[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell;
}
