import type Database from "better-sqlite3";
import { AnnotationTable } from "./annotations.js";
import { databaseBytes, openDatabase, quickCheck } from "./db.js";
import { ExportQueue, type ExportPoint } from "./export-queue.js";
import { ForceMajeureTable } from "./force-majeure.js";
import { MaintenanceTable } from "./maintenance.js";
import { ManualTable } from "./manual.js";
import { ResultTables, type IngestCounts, type IngestRecord } from "./results.js";

/**
 * The collector's ledger behind one small interface: routes, the exporter and (later) the SLA
 * engine's wiring see these tables and nothing of SQL. Tests open it on a temporary file.
 */
export interface CollectorStore {
  readonly results: ResultTables;
  readonly maintenance: MaintenanceTable;
  readonly annotations: AnnotationTable;
  /** Force majeure spans (1.5) declared through the admin API. */
  readonly forceMajeure: ForceMajeureTable;
  readonly manual: ManualTable;
  readonly exportQueue: ExportQueue;
  /**
   * Stores a batch in ONE transaction: every new record, its export points (when `toPoints` is
   * given), or nothing at all. Returns once the transaction is committed to disk.
   */
  ingest(
    vantage: string,
    records: readonly IngestRecord[],
    receivedAt: number,
    toPoints?: (record: IngestRecord) => ExportPoint[],
  ): IngestOutcome;
  /** A trivial read, for /healthz. */
  ping(): void;
  /** Commits a one-row write (the readiness probe): throws when the ledger cannot take a write. */
  heartbeat(at: number): void;
  /** SQLite's `PRAGMA quick_check`: ["ok"] for a sound file, else what is damaged (at most `max` lines). */
  quickCheck(max?: number): string[];
  /** The ledger's file (":memory:" for tests without one). */
  readonly file: string;
  /** Bytes of the database file and its WAL. */
  sizeBytes(): number;
  close(): void;
}

/** What one ingest transaction did, in total and by record type. */
export interface IngestOutcome extends IngestCounts {
  byType: Record<IngestRecord["type"], IngestCounts>;
}

/** Opens the ledger at `file` (created if missing). */
export function openStore(file: string): CollectorStore {
  const db = openDatabase(file);
  const results = new ResultTables(db);
  const exportQueue = new ExportQueue(db);
  const ingest = db.transaction(
    (
      vantage: string,
      records: readonly IngestRecord[],
      receivedAt: number,
      toPoints?: (record: IngestRecord) => ExportPoint[],
    ): IngestOutcome => {
      const byType = { check: { accepted: 0, duplicates: 0 }, delivery: { accepted: 0, duplicates: 0 } };
      for (const record of records) {
        if (!results.insert(record, vantage, receivedAt)) {
          byType[record.type].duplicates++;
          continue;
        }
        byType[record.type].accepted++;
        for (const point of toPoints?.(record) ?? []) exportQueue.add(point);
      }
      const accepted = byType.check.accepted + byType.delivery.accepted;
      return { accepted, duplicates: records.length - accepted, byType };
    },
  );
  return {
    results,
    maintenance: new MaintenanceTable(db),
    annotations: new AnnotationTable(db),
    forceMajeure: new ForceMajeureTable(db),
    manual: new ManualTable(db),
    exportQueue,
    ingest: (vantage, records, receivedAt, toPoints) => ingest(vantage, records, receivedAt, toPoints),
    ping: () => void (db.prepare("SELECT 1").get() as unknown),
    heartbeat: (at) =>
      void db
        .prepare(
          "INSERT INTO heartbeat (id, at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at",
        )
        .run(at),
    quickCheck: (max) => quickCheck(db, max),
    file,
    sizeBytes: () => databaseBytes(file),
    close: () => closeDb(db),
  };
}

function closeDb(db: Database.Database): void {
  if (db.open) db.close();
}

export type { IngestCounts, IngestRecord } from "./results.js";
export type { ExportPoint } from "./export-queue.js";
