import Database from "better-sqlite3";
import { existsSync } from "node:fs";
import type { Pool } from "pg";

/**
 * `mailsla migrate --from sqlite FILE --to postgres URL`: copies an embedded ledger into a
 * PostgreSQL one (already migrated by opening it), table by table in pages of rows, each page one
 * transaction with `ON CONFLICT DO NOTHING`: an interrupted copy is run again and resumes, and rows
 * the target already holds (the same result ids) are kept once. The SQLite file is opened read-only,
 * so it can be copied while its collector still runs; results stored after the copy began are
 * caught by running the command again after stopping that collector. The change log is not copied:
 * it describes the source's ingests, not the target's.
 */

/** One table's copy: rows read from the file and rows the target took (the rest it already held). */
export interface TableCopy {
  readonly table: string;
  readonly read: number;
  readonly inserted: number;
}

interface TableSpec {
  readonly table: string;
  /** Columns as SQLite names them, in order. */
  readonly columns: readonly string[];
  /** PostgreSQL's type of each column, for unnest. */
  readonly types: readonly string[];
  /** The target's conflict target. */
  readonly key: string;
  /** Extra target columns computed from a row (delivery_results.delivery). */
  readonly extra?: { readonly column: string; readonly type: string; readonly value: (row: Row) => string };
}

type Row = Record<string, unknown>;

const T = "text";
const B = "bigint";
const TABLES: readonly TableSpec[] = [
  {
    table: "check_results",
    columns: [
      "id",
      "service",
      "vantage",
      "kind",
      "started_at",
      "ok",
      "code",
      "stage",
      "duration_seconds",
      "payload",
      "received_at",
    ],
    types: [T, T, T, T, B, "smallint", T, T, "float8", T, B],
    key: "(id)",
  },
  {
    table: "delivery_results",
    columns: ["id", "vantage", "at", "payload", "received_at"],
    types: [T, T, B, T, B],
    key: "(id)",
    extra: {
      column: "delivery",
      type: T,
      value: (r) => (JSON.parse(String(r.payload)) as { delivery: string }).delivery,
    },
  },
  {
    table: "maintenance_windows",
    columns: [
      "id",
      "start",
      "end",
      "announced_at",
      "segments",
      "services",
      "description",
      "declared_at",
      "cancelled_at",
    ],
    types: [T, B, B, B, T, T, T, B, B],
    key: "(id)",
  },
  {
    table: "incident_annotations",
    columns: ["incident_id", "cause", "force_majeure_reason", "affected_users", "anchor_end", "updated_at"],
    types: [T, T, T, B, B, B],
    key: "(incident_id)",
  },
  {
    table: "force_majeure",
    columns: ["id", "start", "end", "segments", "services", "reason", "declared_at"],
    types: [T, B, B, T, T, T, B],
    key: "(id)",
  },
  {
    table: "manual_indicators",
    columns: ["month", "clause", "value", "note", "entered_at"],
    types: [T, T, T, T, B],
    key: "(month, clause)",
  },
];

const PAGE = 5000;

function present(db: Database.Database, table: string, column: string): boolean {
  return (db.pragma(`table_info(${table})`) as { name: string }[]).some((c) => c.name === column);
}

async function copyTable(src: Database.Database, pool: Pool, spec: TableSpec): Promise<TableCopy> {
  const exists = src.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(spec.table);
  if (!exists) return { table: spec.table, read: 0, inserted: 0 };
  // A ledger made before a column was added lacks it: the column is copied as NULL.
  const select = spec.columns.map((c) => (present(src, spec.table, c) ? `"${c}"` : `NULL AS "${c}"`));
  const page = src.prepare(
    `SELECT rowid AS _rowid, ${select.join(", ")} FROM ${spec.table} WHERE rowid > ? ORDER BY rowid LIMIT ?`,
  );
  const targetColumns = [...spec.columns, ...(spec.extra ? [spec.extra.column] : [])].map((c) => `"${c}"`);
  const types = [...spec.types, ...(spec.extra ? [spec.extra.type] : [])];
  const unnest = types.map((t, i) => `$${i + 1}::${t}[]`).join(", ");
  const sql = `INSERT INTO ${spec.table} (${targetColumns.join(", ")}) SELECT * FROM unnest(${unnest}) ON CONFLICT ${spec.key} DO NOTHING`;
  let after = 0;
  let read = 0;
  let inserted = 0;
  for (;;) {
    const rows = page.all(after, PAGE) as Row[];
    if (rows.length === 0) break;
    after = Number(rows[rows.length - 1]!._rowid);
    const arrays: unknown[][] = spec.columns.map((c) => rows.map((r) => r[c] ?? null));
    if (spec.extra) arrays.push(rows.map((r) => spec.extra!.value(r)));
    const result = await pool.query(sql, arrays);
    read += rows.length;
    inserted += result.rowCount ?? 0;
  }
  return { table: spec.table, read, inserted };
}

/** Copies every table of `file` into the (migrated) PostgreSQL ledger behind `pool`. */
export async function copySqliteLedger(file: string, pool: Pool): Promise<TableCopy[]> {
  if (!existsSync(file)) throw new Error(`${file}: no such file (the SQLite ledger to copy)`);
  const src = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const copies: TableCopy[] = [];
    for (const spec of TABLES) copies.push(await copyTable(src, pool, spec));
    await pool.query(
      "INSERT INTO check_series (service, vantage) SELECT DISTINCT service, vantage FROM check_results ON CONFLICT DO NOTHING",
    );
    return copies;
  } finally {
    src.close();
  }
}
