import { existsSync } from "node:fs";
import Database from "better-sqlite3";
import { openDatabase } from "./db.js";

/**
 * Copies what is still readable out of a damaged ledger into a new one (`mailsla ledger salvage`):
 * every table is read in rowid order a page of rows at a time; where a read fails on a damaged page,
 * the copy probes forward (1, 2, 4, ... rowids) until reads succeed again, so the damage costs only
 * the rows in it. `check_series`, a derived index of the check results, is rebuilt from what was
 * copied. The damaged file is opened read-only and never changed.
 */

/** Tables copied by rowid, in the order of collector/store/db.ts. */
const TABLES = [
  "check_results",
  "delivery_results",
  "maintenance_windows",
  "incident_annotations",
  "manual_indicators",
  "export_queue",
] as const;

/** What a salvage copied and skipped, per table. */
export interface SalvageReport {
  tables: { table: string; copied: number; damagedRanges: number }[];
}

const PAGE = 500;

/** Copies `from` (damaged) into `to` (must not exist). */
export function salvageLedger(from: string, to: string): SalvageReport {
  if (!existsSync(from)) throw new Error(`${from}: no such file`);
  if (existsSync(to))
    throw new Error(`${to} exists: salvage writes a new file, give a path that does not exist`);
  const src = new Database(from, { readonly: true, fileMustExist: true });
  const dst = openDatabase(to);
  const report: SalvageReport = { tables: [] };
  try {
    for (const table of TABLES) report.tables.push(copyTable(src, dst, table));
    dst.exec(
      "INSERT OR IGNORE INTO check_series (service, vantage) SELECT DISTINCT service, vantage FROM check_results",
    );
  } finally {
    src.close();
    dst.close();
  }
  return report;
}

function copyTable(src: Database.Database, dst: Database.Database, table: string) {
  let columns: string[];
  try {
    columns = (src.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name);
  } catch {
    return { table, copied: 0, damagedRanges: 1 };
  }
  if (columns.length === 0) return { table, copied: 0, damagedRanges: 0 };
  const list = columns.join(", ");
  const read = src.prepare(
    `SELECT rowid AS _rowid, ${list} FROM ${table} WHERE rowid > ? ORDER BY rowid LIMIT ${PAGE}`,
  );
  const write = dst.prepare(
    `INSERT OR IGNORE INTO ${table} (${list}) VALUES (${columns.map(() => "?").join(", ")})`,
  );
  const insertAll = dst.transaction((rows: Record<string, unknown>[]) => {
    for (const r of rows) write.run(...columns.map((c) => r[c]));
  });
  let after = Number.MIN_SAFE_INTEGER;
  let copied = 0;
  let damagedRanges = 0;
  for (;;) {
    let rows: Record<string, unknown>[];
    try {
      rows = read.all(after) as Record<string, unknown>[];
    } catch {
      const next = probeForward(read, after);
      damagedRanges++;
      if (next === undefined) break;
      after = next;
      continue;
    }
    if (rows.length === 0) break;
    insertAll(rows);
    copied += rows.length;
    after = rows[rows.length - 1]!._rowid as number;
  }
  return { table, copied, damagedRanges };
}

/** The first rowid past a damaged range from which one read succeeds, or undefined when none does. */
function probeForward(read: Database.Statement, after: number): number | undefined {
  for (let step = 1; step <= 2 ** 50; step *= 2) {
    const from = Math.max(after, 0) + step;
    try {
      read.all(from);
      return from;
    } catch {
      // still inside the damage
    }
  }
  return undefined;
}
