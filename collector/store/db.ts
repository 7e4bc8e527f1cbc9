import { mkdirSync, statSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";

/**
 * The collector's ledger file: one SQLite database in WAL mode with synchronous=FULL, so a
 * transaction that returned is on disk and survives a SIGKILL or a power cut. Every table of the
 * collector is created here, in one place, so the schema can be read at a glance.
 */

/**
 * The schema version this collector writes (`PRAGMA user_version`): 2 added the change log, jobs and
 * compacted runs. Additive
 * only, so an older ledger is brought up on open; a newer one is refused (an older binary must not
 * write a schema it does not know).
 */
export const SCHEMA_VERSION = 2;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS check_results (
  id TEXT NOT NULL UNIQUE,
  service TEXT NOT NULL,
  vantage TEXT NOT NULL,
  kind TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  ok INTEGER NOT NULL,
  code TEXT,
  stage TEXT,
  duration_seconds REAL NOT NULL,
  payload TEXT NOT NULL,
  received_at INTEGER NOT NULL
);
-- Covering: observationSeries reads (started_at, ok) of one series from the index alone, without a
-- table visit per row. It replaces check_results_series (service, vantage, started_at), its prefix;
-- a ledger made before gets it on its next open (see docs/collector.md, "Store speed").
CREATE INDEX IF NOT EXISTS check_results_series_ok ON check_results (service, vantage, started_at, ok);
DROP INDEX IF EXISTS check_results_series;
CREATE INDEX IF NOT EXISTS check_results_time ON check_results (started_at);
CREATE TABLE IF NOT EXISTS check_series (
  service TEXT NOT NULL,
  vantage TEXT NOT NULL,
  PRIMARY KEY (service, vantage)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS delivery_results (
  id TEXT NOT NULL UNIQUE,
  vantage TEXT NOT NULL,
  at INTEGER NOT NULL,
  payload TEXT NOT NULL,
  received_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS delivery_results_time ON delivery_results (at);
CREATE TABLE IF NOT EXISTS maintenance_windows (
  id TEXT PRIMARY KEY,
  start INTEGER NOT NULL,
  end INTEGER NOT NULL,
  announced_at INTEGER NOT NULL,
  segments TEXT,
  services TEXT,
  description TEXT,
  declared_at INTEGER NOT NULL,
  cancelled_at INTEGER
);
CREATE TABLE IF NOT EXISTS incident_annotations (
  incident_id TEXT PRIMARY KEY,
  cause TEXT,
  force_majeure_reason TEXT,
  affected_users INTEGER,
  updated_at INTEGER NOT NULL
);
-- Force majeure (1.5) as time spans, for some segments and services (NULL: all).
CREATE TABLE IF NOT EXISTS force_majeure (
  id TEXT PRIMARY KEY,
  start INTEGER NOT NULL,
  end INTEGER NOT NULL,
  segments TEXT,
  services TEXT,
  reason TEXT NOT NULL,
  declared_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS manual_indicators (
  month TEXT NOT NULL,
  clause TEXT NOT NULL,
  value TEXT NOT NULL,
  note TEXT,
  entered_at INTEGER NOT NULL,
  PRIMARY KEY (month, clause)
);
-- One row rewritten by the readiness probe: a committed write proves the ledger can take one now.
CREATE TABLE IF NOT EXISTS heartbeat (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  at INTEGER NOT NULL
);
-- One row per committed ingest (collector/store/types.ts IngestChange): readers learn of new results
-- from it. Pruned after a day; ledger_meta 'changes_pruned_through' says how far.
CREATE TABLE IF NOT EXISTS ingest_log (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  vantage TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  min_at INTEGER,
  max_at INTEGER,
  security INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS ingest_log_vantage ON ingest_log (vantage, received_at);
-- Compacted check results (collector/store/compaction.ts): a row stands for its segment's results
-- from started_at to run_end. ledger_meta 'compacted_through': everything before it is compacted.
CREATE TABLE IF NOT EXISTS check_runs (
  service TEXT NOT NULL,
  vantage TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  run_end INTEGER NOT NULL,
  ok INTEGER NOT NULL,
  code TEXT,
  stage TEXT,
  segment_start INTEGER NOT NULL,
  represents INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS check_runs_series ON check_runs (service, vantage, started_at);
CREATE INDEX IF NOT EXISTS check_runs_time ON check_runs (started_at);
-- Exactly-once jobs (collector/store/types.ts JobState): one row per job, e.g. 'report:2026-11'.
CREATE TABLE IF NOT EXISTS jobs (
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  state TEXT NOT NULL,
  lease_until INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS ledger_meta (
  key TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS export_queue (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  point TEXT NOT NULL
);
`;

/** Opens (creating if needed) the ledger at `file`; ":memory:" for tests that need no file. */
export function openDatabase(file: string): Database.Database {
  if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma("busy_timeout = 5000");
  const version = db.pragma("user_version", { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    db.close();
    throw new Error(`${file} has schema version ${version}; this collector knows ${SCHEMA_VERSION}`);
  }
  db.exec(SCHEMA);
  addColumns(db);
  db.pragma(`user_version = ${SCHEMA_VERSION}`);
  return db;
}

/**
 * Columns added to tables after they first shipped, added to an older ledger on open (additive only:
 * older collectors ignore them). `anchor_end`: the end of the incident's span when it was annotated,
 * its time anchor (collector/sla/anchors.ts).
 */
const ADDED_COLUMNS: readonly [table: string, column: string, type: string][] = [
  ["incident_annotations", "anchor_end", "INTEGER"],
];

function addColumns(db: Database.Database): void {
  for (const [table, column, type] of ADDED_COLUMNS) {
    const columns = db.pragma(`table_info(${table})`) as { name: string }[];
    if (!columns.some((c) => c.name === column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
  }
}

/**
 * SQLite's `PRAGMA quick_check` of the ledger: ["ok"] for a sound file, else up to `max` lines naming
 * what is damaged. Run at the collector's start and on a schedule (collector/health.ts), since a file
 * damaged in the middle otherwise shows only as a 500 on whichever page happens to read that part.
 */
export function quickCheck(db: Database.Database, max = 20): string[] {
  const rows = db.pragma(`quick_check(${Math.max(1, Math.floor(max))})`) as { quick_check: string }[];
  return rows.map((r) => r.quick_check);
}

/** Bytes on disk of the database and its write-ahead log (exported as a metric). */
export function databaseBytes(file: string): number {
  if (file === ":memory:") return 0;
  let total = 0;
  for (const f of [file, `${file}-wal`]) {
    try {
      total += statSync(f).size;
    } catch {
      // no WAL yet
    }
  }
  return total;
}
