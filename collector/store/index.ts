import Database from "better-sqlite3";
import { AnnotationTable } from "./annotations.js";
import { CHANGE_LOG_KEEP_MS, changeSpan, PRUNE_EVERY } from "./change-log.js";
import { databaseBytes, openDatabase, quickCheck } from "./db.js";
import { ExportQueue, type ExportPoint } from "./export-queue.js";
import { decideClaim, notHolder, type JobRow } from "./jobs.js";
import { ForceMajeureTable } from "./force-majeure.js";
import { MaintenanceTable } from "./maintenance.js";
import { ManualTable } from "./manual.js";
import { ResultTables, type IngestRecord } from "./results.js";
import { sqliteCompaction } from "./runs-sqlite.js";
import type { ChangesSince, CollectorStore, IngestChange, IngestOutcome } from "./types.js";

/**
 * The embedded ledger: one SQLite file behind the store's interface (collector/store/types.ts), the
 * default for a small operator and the demo. The tables' classes in this folder hold its SQL;
 * collector/store/postgres/ holds the other engine's. Tests open it on a temporary file.
 */

interface ChangeRow {
  seq: number;
  vantage: string;
  received_at: number;
  min_at: number | null;
  max_at: number | null;
  security: number;
}

/** A change-log row in the interface's shape (both stores' columns are alike). */
export function changeFromRow(r: ChangeRow): IngestChange {
  return {
    seq: Number(r.seq),
    vantage: r.vantage,
    receivedAt: Number(r.received_at),
    minAt: r.min_at === null ? null : Number(r.min_at),
    maxAt: r.max_at === null ? null : Number(r.max_at),
    security: Boolean(r.security),
  };
}

/** Opens the ledger at `file` (created if missing). */
export function openStore(file: string): CollectorStore {
  return storeOver(openDatabase(file), file);
}

/**
 * The ledger at `file` opened read-only (`mailsla report` beside a running collector): it can
 * neither block the collector's writes for long nor change a byte; writes reject naming the file.
 * A ledger made by an older collector is read as it is.
 */
export function openStoreReadOnly(file: string): CollectorStore {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  db.pragma("busy_timeout = 5000");
  const refuse = async (): Promise<never> => {
    throw new Error(`${file} is open read-only for a report`);
  };
  return { ...storeOver(db, file, true), ingest: refuse, heartbeat: refuse };
}

function storeOver(db: Database.Database, file: string, readOnly = false): CollectorStore {
  const results = new ResultTables(db);
  const exportQueue = new ExportQueue(db);
  const logChange = readOnly
    ? undefined
    : db.prepare(
        "INSERT INTO ingest_log (vantage, received_at, min_at, max_at, security) VALUES (?, ?, ?, ?, ?)",
      );
  let ingests = 0;
  const ingest = db.transaction(
    (
      vantage: string,
      records: readonly IngestRecord[],
      receivedAt: number,
      toPoints?: (record: IngestRecord) => ExportPoint[],
    ): IngestOutcome => {
      const byType = { check: { accepted: 0, duplicates: 0 }, delivery: { accepted: 0, duplicates: 0 } };
      const stored: IngestRecord[] = [];
      for (const record of records) {
        if (!results.insert(record, vantage, receivedAt)) {
          byType[record.type].duplicates++;
          continue;
        }
        byType[record.type].accepted++;
        stored.push(record);
        for (const point of toPoints?.(record) ?? []) exportQueue.add(point);
      }
      const span = changeSpan(stored);
      logChange!.run(vantage, receivedAt, span?.minAt ?? null, span?.maxAt ?? null, span?.security ? 1 : 0);
      if (++ingests % PRUNE_EVERY === 0) pruneChanges(db, receivedAt - CHANGE_LOG_KEEP_MS);
      const accepted = byType.check.accepted + byType.delivery.accepted;
      return { accepted, duplicates: records.length - accepted, byType };
    },
  );
  const jobRow = (name: string) =>
    db.prepare("SELECT holder, state, lease_until FROM jobs WHERE name = ?").get(name) as JobRow | undefined;
  const claimJob = db.transaction((name: string, holder: string, now: number, leaseMs: number) => {
    const { claim, write } = decideClaim(jobRow(name), holder, now, leaseMs);
    if (write) {
      db.prepare(
        `INSERT INTO jobs (name, holder, state, lease_until, updated_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, state = excluded.state,
        lease_until = excluded.lease_until, updated_at = excluded.updated_at`,
      ).run(name, write.holder, write.state, write.lease_until, now);
    }
    return claim;
  });
  return {
    engine: "sqlite",
    location: file,
    file,
    results,
    maintenance: new MaintenanceTable(db),
    annotations: new AnnotationTable(db),
    forceMajeure: new ForceMajeureTable(db),
    manual: new ManualTable(db),
    exportQueue,
    compaction: sqliteCompaction(db),
    ingest: async (vantage, records, receivedAt, toPoints) => ingest(vantage, records, receivedAt, toPoints),
    changesSince: async (seq, limit = 10_000) => changesSince(db, seq, limit),
    lastChange: async () =>
      (db.prepare("SELECT coalesce(max(seq), 0) AS n FROM ingest_log").get() as { n: number }).n,
    lastPushes: async (since) => {
      const rows = db
        .prepare(
          "SELECT vantage, max(received_at) AS at FROM ingest_log WHERE received_at >= ? GROUP BY vantage",
        )
        .all(since) as { vantage: string; at: number }[];
      return new Map(rows.map((r) => [r.vantage, r.at]));
    },
    ping: async () => void (db.prepare("SELECT 1").get() as unknown),
    heartbeat: async (at) =>
      void db
        .prepare(
          "INSERT INTO heartbeat (id, at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at",
        )
        .run(at),
    claimJob: async (name, holder, now, leaseMs) => claimJob(name, holder, now, leaseMs),
    setJobState: async (name, holder, state, now) => {
      const done = db
        .prepare("UPDATE jobs SET state = ?, updated_at = ? WHERE name = ? AND holder = ?")
        .run(state, now, name, holder);
      if (done.changes === 0) throw notHolder(name, holder, jobRow(name));
    },
    quickCheck: async (max) => quickCheck(db, max),
    sizeBytes: async () => databaseBytes(file),
    close: async () => closeDb(db),
  };
}

/** The changes after `seq`; `gap` when rows after it were pruned before this read. */
export function changesSince(db: Database.Database, seq: number, limit: number): ChangesSince {
  const pruned = db.prepare("SELECT value FROM ledger_meta WHERE key = 'changes_pruned_through'").get() as
    { value: number } | undefined;
  const rows = db
    .prepare("SELECT * FROM ingest_log WHERE seq > ? ORDER BY seq LIMIT ?")
    .all(seq, limit) as ChangeRow[];
  const changes = rows.map(changeFromRow);
  return { changes, next: changes.at(-1)?.seq ?? seq, gap: pruned !== undefined && seq < pruned.value };
}

function pruneChanges(db: Database.Database, before: number): void {
  const last = db.prepare("SELECT max(seq) AS seq FROM ingest_log WHERE received_at < ?").get(before) as {
    seq: number | null;
  };
  if (last.seq === null) return;
  db.prepare("DELETE FROM ingest_log WHERE seq <= ?").run(last.seq);
  db.prepare(
    `INSERT INTO ledger_meta (key, value) VALUES ('changes_pruned_through', ?)
    ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
  ).run(last.seq);
}

function closeDb(db: Database.Database): void {
  if (db.open) db.close();
}

export type { IngestCounts, IngestRecord } from "./results.js";
export type { ExportPoint } from "./export-queue.js";
export type { CollectorStore, IngestOutcome } from "./types.js";
