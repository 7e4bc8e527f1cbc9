import type { PoolClient } from "pg";

/**
 * The PostgreSQL ledger's schema as numbered migrations, applied in order at start (and by
 * `mailsla migrate`) in one transaction, under an advisory lock so replicas starting
 * together apply each once. The columns are the SQLite ledger's (collector/store/db.ts), so both
 * stores read and write the same rows; times are Unix ms in BIGINT. A ledger whose schema is newer
 * than this binary knows is refused: an older collector must not write a schema it cannot read.
 */

/** One step of the schema: its version and the SQL that makes it. */
export interface Migration {
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

/** Every migration, oldest first; append only (a released migration is never edited). */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "results, compacted runs, declarations, change log, jobs, export queue",
    sql: `
CREATE TABLE check_results (
  id TEXT PRIMARY KEY,
  service TEXT NOT NULL,
  vantage TEXT NOT NULL,
  kind TEXT NOT NULL,
  started_at BIGINT NOT NULL,
  ok SMALLINT NOT NULL,
  code TEXT,
  stage TEXT,
  duration_seconds DOUBLE PRECISION NOT NULL,
  payload TEXT NOT NULL,
  received_at BIGINT NOT NULL
);
CREATE INDEX check_results_series_ok ON check_results (service, vantage, started_at) INCLUDE (ok);
CREATE INDEX check_results_time ON check_results (started_at);
CREATE TABLE check_series (
  service TEXT NOT NULL,
  vantage TEXT NOT NULL,
  PRIMARY KEY (service, vantage)
);
CREATE TABLE delivery_results (
  id TEXT PRIMARY KEY,
  vantage TEXT NOT NULL,
  delivery TEXT NOT NULL,
  at BIGINT NOT NULL,
  payload TEXT NOT NULL,
  received_at BIGINT NOT NULL
);
CREATE INDEX delivery_results_time ON delivery_results (at);
CREATE INDEX delivery_results_name ON delivery_results (delivery);
CREATE TABLE maintenance_windows (
  id TEXT PRIMARY KEY,
  start BIGINT NOT NULL,
  "end" BIGINT NOT NULL,
  announced_at BIGINT NOT NULL,
  segments TEXT,
  services TEXT,
  description TEXT,
  declared_at BIGINT NOT NULL,
  cancelled_at BIGINT
);
CREATE TABLE incident_annotations (
  incident_id TEXT PRIMARY KEY,
  cause TEXT,
  force_majeure_reason TEXT,
  affected_users BIGINT,
  anchor_end BIGINT,
  updated_at BIGINT NOT NULL
);
CREATE TABLE force_majeure (
  id TEXT PRIMARY KEY,
  start BIGINT NOT NULL,
  "end" BIGINT NOT NULL,
  segments TEXT,
  services TEXT,
  reason TEXT NOT NULL,
  declared_at BIGINT NOT NULL
);
CREATE TABLE manual_indicators (
  month TEXT NOT NULL,
  clause TEXT NOT NULL,
  value TEXT NOT NULL,
  note TEXT,
  entered_at BIGINT NOT NULL,
  PRIMARY KEY (month, clause)
);
CREATE TABLE heartbeat (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  at BIGINT NOT NULL
);
-- tx: the writing transaction (xid8 as a number). Readers take rows below the oldest running
-- transaction only, so a transaction that commits after a later one is never skipped.
CREATE TABLE ingest_log (
  seq BIGSERIAL PRIMARY KEY,
  tx BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
  vantage TEXT NOT NULL,
  received_at BIGINT NOT NULL,
  min_at BIGINT,
  max_at BIGINT,
  security BOOLEAN NOT NULL
);
CREATE INDEX ingest_log_vantage ON ingest_log (vantage, received_at);
CREATE INDEX ingest_log_tx ON ingest_log (tx);
CREATE TABLE check_runs (
  service TEXT NOT NULL,
  vantage TEXT NOT NULL,
  started_at BIGINT NOT NULL,
  run_end BIGINT NOT NULL,
  ok SMALLINT NOT NULL,
  code TEXT,
  stage TEXT,
  segment_start BIGINT NOT NULL,
  represents BIGINT NOT NULL
);
CREATE INDEX check_runs_series ON check_runs (service, vantage, started_at);
CREATE TABLE jobs (
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  state TEXT NOT NULL,
  lease_until BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE ledger_meta (
  key TEXT PRIMARY KEY,
  value BIGINT NOT NULL
);
CREATE TABLE export_queue (
  seq BIGSERIAL PRIMARY KEY,
  point TEXT NOT NULL
);
`,
  },
];

/** The newest schema version this binary knows. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** A number for `pg_advisory_xact_lock`: migrations of this ledger, whichever replica runs them. */
const MIGRATION_LOCK = 0x6d61696c; // "mail"

/** A ledger newer than this binary: the message says which versions and what to do. */
export class SchemaTooNew extends Error {
  override readonly name = "SchemaTooNew";
}

/** What {@link migrate} did. */
export interface MigrationOutcome {
  /** The version found before (0: an empty database). */
  readonly from: number;
  readonly to: number;
  readonly applied: readonly number[];
}

/**
 * Brings the schema to {@link SCHEMA_VERSION}: every missing migration in one transaction (all or
 * none), under an advisory lock so that replicas starting at once do not race. Refuses a newer schema.
 */
export async function migrate(
  client: PoolClient,
  location: string,
  by: string,
  at: number,
): Promise<MigrationOutcome> {
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at BIGINT NOT NULL, applied_by TEXT NOT NULL)`);
    const found = Number(
      (await client.query<{ v: number | null }>("SELECT max(version) AS v FROM schema_migrations")).rows[0]
        ?.v ?? 0,
    );
    if (found > SCHEMA_VERSION) {
      throw new SchemaTooNew(
        `${location} has schema version ${found}; this collector knows only up to ${SCHEMA_VERSION}: ` +
          `run a collector at least as new as the one that migrated it`,
      );
    }
    const applied: number[] = [];
    for (const m of MIGRATIONS.filter((m) => m.version > found)) {
      await client.query(m.sql);
      await client.query(
        "INSERT INTO schema_migrations (version, description, applied_at, applied_by) VALUES ($1, $2, $3, $4)",
        [m.version, m.description, at, by],
      );
      applied.push(m.version);
    }
    await client.query("COMMIT");
    return { from: found, to: SCHEMA_VERSION, applied };
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  }
}

/** For a reader that must not migrate: the schema must be exactly this binary's, else a clear refusal. */
export async function expectCurrent(client: PoolClient, location: string): Promise<MigrationOutcome> {
  const present = await client.query("SELECT to_regclass('schema_migrations') AS t");
  const found =
    present.rows[0]?.t === null
      ? 0
      : Number(
          (await client.query<{ v: number | null }>("SELECT max(version) AS v FROM schema_migrations"))
            .rows[0]?.v ?? 0,
        );
  if (found > SCHEMA_VERSION) {
    throw new SchemaTooNew(
      `${location} has schema version ${found}; this mailsla knows only up to ${SCHEMA_VERSION}`,
    );
  }
  if (found < SCHEMA_VERSION) {
    throw new Error(
      `${location} has schema version ${found}, this mailsla reads ${SCHEMA_VERSION}: start the collector or run \`mailsla migrate --config FILE\` first`,
    );
  }
  return { from: found, to: found, applied: [] };
}
