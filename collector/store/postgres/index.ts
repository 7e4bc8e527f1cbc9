import pg from "pg";
import { hostname } from "node:os";
import { CHANGE_LOG_KEEP_MS, changeSpan, PRUNE_EVERY } from "../change-log.js";
import { changeFromRow } from "../index.js";
import type { QueuedPoint } from "../export-queue.js";
import type { ExportPoint } from "../export-queue.js";
import type { IngestRecord } from "../results.js";
import { decideClaim, notHolder, type JobRow } from "../jobs.js";
import type { ChangesSince, CollectorStore, IngestOutcome } from "../types.js";
import { inTransaction, PgAnnotations, PgForceMajeure, PgMaintenance, PgManual } from "./declarations.js";
import { insertBatch, isUniqueViolation, PgResults, type BatchWrite, type WriteMode } from "./results.js";
import { pgCompaction } from "./runs.js";
import { expectCurrent, migrate, SCHEMA_VERSION, type MigrationOutcome } from "./schema.js";

/**
 * The ledger on PostgreSQL (`collector.store.postgres`), for operators past one SQLite file: any
 * number of collector replicas share it, each taking any push. Same semantics as the SQLite ledger
 * (collector/store/types.ts): idempotent by result id, a batch acknowledged only after COMMIT, its
 * export points and change-log row in the same transaction. The schema is migrated at open.
 */

/** How to reach the database. */
export interface PostgresOptions {
  /** postgres://user@host:port/database (a password in it is used, and never shown). */
  url: string;
  /** The password, when kept out of the URL (a secret reference in the configuration). */
  password?: string;
  /** Connections this collector holds at most. */
  poolSize?: number;
  /** A statement running longer is cancelled by the server (ms). */
  statementTimeout?: number;
  /** How long to wait for a connection (ms). */
  connectTimeout?: number;
  /** Who migrates (kept in schema_migrations): this host and process by default. */
  by?: string;
  /** The clock (Unix ms). */
  now?: () => number;
  /**
   * Bring the schema up at open (the collector, `mailsla migrate`); false for a reader such as
   * `mailsla report`, which refuses a schema other than its own instead of changing it.
   */
  migrate?: boolean;
}

/** The URL with its password masked, for logs and messages. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(a PostgreSQL URL that does not parse)";
  }
}

/** BIGINT (oid 20) columns as numbers: every BIGINT here is Unix ms or a count, within 2^53. */
const types = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === 20
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** The PostgreSQL ledger with what only it has: the migration it ran at open, and its pool (the copy from SQLite). */
export type PostgresLedger = CollectorStore & {
  readonly migration: MigrationOutcome;
  readonly pool: pg.Pool;
};

/** Opens the pool, migrates the schema and returns the store; rejects naming the database on failure. */
export async function openPostgresStore(o: PostgresOptions): Promise<PostgresLedger> {
  const location = safeUrl(o.url);
  const now = o.now ?? Date.now;
  const pool = new pg.Pool({
    connectionString: o.url,
    ...(o.password !== undefined ? { password: o.password } : {}),
    max: o.poolSize ?? 10,
    connectionTimeoutMillis: o.connectTimeout ?? 10_000,
    statement_timeout: o.statementTimeout ?? 60_000,
    application_name: "mailsla-collector",
    types,
  });
  // An idle connection the server closed (a restart) must not crash the process: the pool drops it.
  pool.on("error", () => undefined);
  let migration: MigrationOutcome;
  try {
    const client = await pool.connect();
    let broken: Error | undefined;
    client.on("error", (err: Error) => void (broken ??= err));
    try {
      migration =
        o.migrate === false
          ? await expectCurrent(client, location)
          : await migrate(client, location, o.by ?? `${hostname()}:${process.pid}`, now());
    } finally {
      client.release(broken ?? false);
    }
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new Error(`PostgreSQL ledger ${location}: ${(err as Error).message}`, { cause: err });
  }
  let ingests = 0;

  /** (service, vantage) pairs check_series is known to hold (rows are never deleted): not inserted again. */
  const knownSeries = new Set<string>();
  const ingest = async (
    vantage: string,
    records: readonly IngestRecord[],
    receivedAt: number,
    toPoints?: (record: IngestRecord) => ExportPoint[],
  ): Promise<IngestOutcome> => {
    const write = (mode: WriteMode) => async (client: pg.PoolClient) => {
      const batch = await insertBatch(client, vantage, records, receivedAt, mode, knownSeries, toPoints);
      const span = changeSpan(batch.stored);
      await client.query(
        "INSERT INTO ingest_log (vantage, received_at, min_at, max_at, security) VALUES ($1, $2, $3, $4, $5)",
        [vantage, receivedAt, span?.minAt ?? null, span?.maxAt ?? null, span?.security ?? false],
      );
      if (++ingests % PRUNE_EVERY === 0) await pruneChanges(client, receivedAt - CHANGE_LOG_KEEP_MS);
      return batch;
    };
    let batch: BatchWrite;
    try {
      batch = await inTransaction(pool, write("copy"));
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      batch = await inTransaction(pool, write("upsert"));
    }
    for (const key of batch.newSeries) knownSeries.add(key);
    const { stored } = batch;
    const byType = { check: { accepted: 0, duplicates: 0 }, delivery: { accepted: 0, duplicates: 0 } };
    for (const r of records) byType[r.type].duplicates++;
    for (const r of stored) {
      byType[r.type].accepted++;
      byType[r.type].duplicates--;
    }
    return { accepted: stored.length, duplicates: records.length - stored.length, byType };
  };

  return {
    engine: "postgres",
    location,
    file: undefined,
    migration,
    pool,
    results: new PgResults(pool),
    compaction: pgCompaction(pool),
    maintenance: new PgMaintenance(pool),
    annotations: new PgAnnotations(pool),
    forceMajeure: new PgForceMajeure(pool),
    manual: new PgManual(pool),
    exportQueue: {
      async peek(limit) {
        const { rows } = await pool.query<{ seq: number; point: string }>(
          "SELECT seq, point FROM export_queue ORDER BY seq LIMIT $1",
          [limit],
        );
        return rows.map((r): QueuedPoint => ({ seq: r.seq, point: JSON.parse(r.point) as ExportPoint }));
      },
      async removeThrough(seq) {
        await pool.query("DELETE FROM export_queue WHERE seq <= $1", [seq]);
      },
      async size() {
        return (await pool.query<{ n: number }>("SELECT count(*) AS n FROM export_queue")).rows[0]!.n;
      },
    },
    ingest,
    changesSince: async (cursor, limit = 10_000): Promise<ChangesSince> => {
      const horizon = await oldestRunning(pool);
      const pruned = await pool.query<{ value: number }>(
        "SELECT value FROM ledger_meta WHERE key = 'changes_pruned_through'",
      );
      const { rows } = await pool.query(
        "SELECT * FROM ingest_log WHERE tx >= $1 AND tx < $2 ORDER BY tx, seq LIMIT $3",
        [cursor, horizon, limit + 1],
      );
      const through = pruned.rows[0]?.value;
      const gap = through !== undefined && cursor <= through;
      if (rows.length <= limit) return { changes: rows.map(changeFromRow), next: horizon, gap };
      // More than a page: stop before the last page's transaction, so none of its rows is cut in two.
      const lastTx = Number(rows[limit - 1].tx);
      const page = rows.filter((r) => Number(r.tx) < lastTx);
      return page.length > 0
        ? { changes: page.map(changeFromRow), next: lastTx, gap }
        : { changes: rows.filter((r) => Number(r.tx) === lastTx).map(changeFromRow), next: lastTx + 1, gap };
    },
    lastChange: async () => oldestRunning(pool),
    lastPushes: async (since) => {
      const { rows } = await pool.query<{ vantage: string; at: number }>(
        "SELECT vantage, max(received_at) AS at FROM ingest_log WHERE received_at >= $1 GROUP BY vantage",
        [since],
      );
      return new Map(rows.map((r) => [r.vantage, r.at]));
    },
    ping: async () => void (await pool.query("SELECT 1")),
    heartbeat: async (at) =>
      void (await pool.query(
        "INSERT INTO heartbeat (id, at) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET at = excluded.at",
        [at],
      )),
    claimJob: (name, holder, now, leaseMs) =>
      inTransaction(pool, async (client) => {
        // The row may not exist yet: a transaction-scoped advisory lock on the name serialises claims.
        await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`job:${name}`]);
        const { rows } = await client.query<JobRow>(
          "SELECT holder, state, lease_until FROM jobs WHERE name = $1 FOR UPDATE",
          [name],
        );
        const { claim, write } = decideClaim(rows[0], holder, now, leaseMs);
        if (write) {
          await client.query(
            `INSERT INTO jobs (name, holder, state, lease_until, updated_at) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, state = excluded.state,
            lease_until = excluded.lease_until, updated_at = excluded.updated_at`,
            [name, write.holder, write.state, write.lease_until, now],
          );
        }
        return claim;
      }),
    setJobState: async (name, holder, state, now) => {
      const r = await pool.query(
        "UPDATE jobs SET state = $1, updated_at = $2 WHERE name = $3 AND holder = $4",
        [state, now, name, holder],
      );
      if ((r.rowCount ?? 0) === 0) {
        const { rows } = await pool.query<JobRow>(
          "SELECT holder, state, lease_until FROM jobs WHERE name = $1",
          [name],
        );
        throw notHolder(name, holder, rows[0]);
      }
    },
    quickCheck: async () => {
      const v = (await pool.query<{ v: number }>("SELECT max(version) AS v FROM schema_migrations")).rows[0]
        ?.v;
      return v === SCHEMA_VERSION
        ? ["ok"]
        : [`schema version ${v} in ${location}, this collector knows ${SCHEMA_VERSION}`];
    },
    sizeBytes: async () =>
      (await pool.query<{ n: number }>("SELECT pg_database_size(current_database()) AS n")).rows[0]!.n,
    close: async () => {
      await pool.end();
    },
  };
}

/** The oldest transaction still running: every change below it has committed or never will. */
async function oldestRunning(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ x: number }>(
    "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS x",
  );
  return rows[0]!.x;
}

async function pruneChanges(client: pg.PoolClient, before: number): Promise<void> {
  const { rows } = await client.query<{ tx: number | null }>(
    "SELECT max(tx) AS tx FROM ingest_log WHERE received_at < $1",
    [before],
  );
  const last = rows[0]?.tx;
  if (last === null || last === undefined) return;
  await client.query("DELETE FROM ingest_log WHERE tx <= $1", [last]);
  await client.query(
    `INSERT INTO ledger_meta (key, value) VALUES ('changes_pruned_through', $1)
    ON CONFLICT (key) DO UPDATE SET value = GREATEST(ledger_meta.value, excluded.value)`,
    [last],
  );
}
