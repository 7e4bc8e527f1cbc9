import type Database from "better-sqlite3";
import type { FailureCause, RunStart } from "../sla/causes.js";
import { NOT_COUNTED, type ObservationSeries } from "../sla/vantage-state.js";
import { countsAsFailure } from "../../contract/errors.js";
import type { DeliveryResult } from "../../contract/delivery-result.js";
import type { ProbeResult } from "../../contract/result.js";
import { mergeRuns } from "./compaction.js";
import { runsIn } from "./runs-sqlite.js";
import type { ResultReader } from "./types.js";

/**
 * Probe results in the ledger: check results (ProbeResult) and delivery results, each stored once
 * by its id. The columns the engine filters and orders by are real columns; the whole payload is
 * kept as JSON so nothing an agent measured is thrown away.
 */

/** A delivery result as ingested (contract/delivery-result.ts). */
export type DeliveryPayload = DeliveryResult;

/** One validated record of an ingest batch. */
export type IngestRecord =
  { type: "check"; payload: ProbeResult } | { type: "delivery"; payload: DeliveryPayload };

/** What one ingest transaction did. */
export interface IngestCounts {
  /** Records stored now. */
  accepted: number;
  /** Records already stored (a retry after a lost answer): ignored. */
  duplicates: number;
}

/** A stored check result, in the columns the engine and the API read. */
export interface StoredCheck {
  id: string;
  service: string;
  vantage: string;
  kind: string;
  startedAt: number;
  ok: boolean;
  code: string | null;
  stage: string | null;
  durationSeconds: number;
}

/** A stored delivery result: its time column and the payload as the agent sent it. */
export interface StoredDelivery {
  id: string;
  vantage: string;
  at: number;
  payload: DeliveryPayload;
}

/** A half-open time range `[from, to)` in Unix ms, optionally narrowed. */
export interface ResultQuery {
  from: number;
  to: number;
  service?: string;
  vantage?: string;
}

/**
 * The statement that writes one check result: `INSERT OR IGNORE` for the store (idempotent), a
 * plain `INSERT` for the ingest bench's raw side; the values are {@link checkRow}'s.
 */
export function checkInsertSql(verb: "INSERT" | "INSERT OR IGNORE"): string {
  return `${verb} INTO check_results
      (id, service, vantage, kind, started_at, ok, code, stage, duration_seconds, payload, received_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
}

/** A check result's values for {@link checkInsertSql}, in its column order. */
export function checkRow(r: ProbeResult, receivedAt: number): (string | number | null)[] {
  return [
    r.id,
    r.check,
    r.vantage,
    r.kind,
    r.startedAt,
    r.ok ? 1 : countsAsFailure(r.error?.code) ? 0 : NOT_COUNTED,
    r.error?.code ?? null,
    r.error?.stage ?? null,
    r.durationSeconds,
    JSON.stringify(r),
    receivedAt,
  ];
}

/** Prepared statements over the result tables (SQLite). */
export class ResultTables implements ResultReader {
  private readonly insertCheck: Database.Statement;
  private readonly insertSeries: Database.Statement;
  private readonly insertDelivery: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.insertCheck = db.prepare(checkInsertSql("INSERT OR IGNORE"));
    this.insertSeries = db.prepare("INSERT OR IGNORE INTO check_series (service, vantage) VALUES (?, ?)");
    this.insertDelivery = db.prepare(`INSERT OR IGNORE INTO delivery_results
      (id, vantage, at, payload, received_at) VALUES (?, ?, ?, ?, ?)`);
  }

  /** Inserts one record unless its id is stored; true when it was new. Call inside a transaction. */
  insert(record: IngestRecord, vantage: string, receivedAt: number): boolean {
    if (record.type === "check") {
      const r = record.payload;
      const info = this.insertCheck.run(...checkRow(r, receivedAt));
      if (info.changes > 0) this.insertSeries.run(r.check, r.vantage);
      return info.changes > 0;
    }
    const p = record.payload;
    // A delivery belongs to the time the operator took the message over (collector/sla/delivery.ts).
    return this.insertDelivery.run(p.id, vantage, p.sentAt, JSON.stringify(p), receivedAt).changes > 0;
  }

  /** Check results in `[from, to)`, oldest first. */
  async checks(q: ResultQuery): Promise<StoredCheck[]> {
    const where = ["started_at >= @from", "started_at < @to"];
    if (q.service !== undefined) where.push("service = @service");
    if (q.vantage !== undefined) where.push("vantage = @vantage");
    const rows = this.db
      .prepare(
        `SELECT id, service, vantage, kind, started_at AS startedAt, ok, code, stage,
          duration_seconds AS durationSeconds FROM check_results
          WHERE ${where.join(" AND ")} ORDER BY started_at, id`,
      )
      .all(q) as (Omit<StoredCheck, "ok"> & { ok: number })[];
    return rows.map((r) => ({ ...r, ok: r.ok === 1 }));
  }

  /** The full ProbeResult as the agent sent it, or undefined. */
  async checkPayload(id: string): Promise<ProbeResult | undefined> {
    const row = this.db.prepare("SELECT payload FROM check_results WHERE id = ?").get(id) as
      { payload: string } | undefined;
    return row ? (JSON.parse(row.payload) as ProbeResult) : undefined;
  }

  /**
   * The engine's input: one time-ordered, column-wise series per (service, vantage point) with
   * results in `[from, to)`. One range scan per series on the covering index
   * `check_results_series_ok`, so no table page is read; each series comes back as one row of two
   * aggregates, because building a JavaScript row object per result cost more than SQLite's scan.
   * The aggregates take the rows in the scan's (index) order; an ORDER BY inside them would sort
   * every series again, so the order is checked here instead (docs/collector.md, "Store speed").
   */
  async observationSeries(from: number, to: number): Promise<ObservationSeries[]> {
    const pairs = this.db.prepare("SELECT service, vantage FROM check_series ORDER BY service, vantage");
    const scan = this.db.prepare(`SELECT count(*) AS n, json_group_array(started_at) AS at,
        group_concat(ok, '') AS ok FROM check_results
      WHERE service = ? AND vantage = ? AND started_at >= ? AND started_at < ?`);
    const out: ObservationSeries[] = [];
    for (const { service, vantage } of pairs.all() as { service: string; vantage: string }[]) {
      const row = scan.get(service, vantage, from, to) as { n: number; at: string; ok: string | null };
      if (row.n === 0) continue;
      const ok = new Uint8Array(row.n);
      for (let i = 0; i < row.n; i++) ok[i] = row.ok!.charCodeAt(i) - 48; // "0", "1" or "2" (NOT_COUNTED)
      out.push({ service, vantage, ...inTimeOrder(Float64Array.from(JSON.parse(row.at) as number[]), ok) });
    }
    return mergeRuns(out, runsIn(this.db, from, to), to);
  }

  /**
   * The code and stage of the failed result at each run start (collector/sla/causes.ts): one index
   * seek per run, so naming what broke costs a row per failing run, not one per result.
   */
  async causes(starts: readonly RunStart[]): Promise<FailureCause[]> {
    const one = this.db.prepare(`SELECT code, stage FROM check_results
      WHERE service = ? AND vantage = ? AND started_at = ? AND ok = 0 ORDER BY id LIMIT 1`);
    // A run start older than the raw retention is a row of check_runs (collector/store/compaction.ts).
    const hasRuns =
      this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'check_runs'").get() !==
      undefined;
    const run = hasRuns
      ? this.db.prepare(`SELECT code, stage FROM check_runs
        WHERE service = ? AND vantage = ? AND started_at = ? AND ok = 0 LIMIT 1`)
      : undefined;
    const out: FailureCause[] = [];
    for (const s of starts) {
      const row = (one.get(s.service, s.vantage, s.at) ?? run?.get(s.service, s.vantage, s.at)) as
        { code: string | null; stage: string | null } | undefined;
      if (row)
        out.push({ service: s.service, vantage: s.vantage, at: s.at, code: row.code, stage: row.stage });
    }
    return out;
  }

  /** Delivery results taken over (`sentAt`) in `[from, to)`, oldest first. */
  async deliveries(q: Omit<ResultQuery, "service">): Promise<StoredDelivery[]> {
    const where = ["at >= @from", "at < @to", ...(q.vantage !== undefined ? ["vantage = @vantage"] : [])];
    const rows = this.db
      .prepare(
        `SELECT id, vantage, at, payload FROM delivery_results WHERE ${where.join(" AND ")} ORDER BY at, id`,
      )
      .all(q) as { id: string; vantage: string; at: number; payload: string }[];
    return rows.map((r) => ({ ...r, payload: JSON.parse(r.payload) as DeliveryPayload }));
  }

  /**
   * Whether the ledger holds a result of this service (type "check") or delivery: ingest tells a
   * result of a service removed from the configuration from one of a name never configured. Only asked
   * when a record names something the configuration lacks; deliveries are found in the payload.
   */
  async holdsName(type: "check" | "delivery", name: string): Promise<boolean> {
    const sql =
      type === "check"
        ? "SELECT 1 FROM check_series WHERE service = ? LIMIT 1"
        : "SELECT 1 FROM delivery_results WHERE json_extract(payload, '$.delivery') = ? LIMIT 1";
    return this.db.prepare(sql).get(name) !== undefined;
  }

  /** Stored results by type (tests and the store-size metric). */
  async counts(): Promise<{ checks: number; deliveries: number }> {
    const n = (table: string) =>
      (this.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { checks: n("check_results"), deliveries: n("delivery_results") };
  }
}

/** The two columns ordered by time: as they are when already so (the index's order), else sorted. */
export function inTimeOrder(at: Float64Array, ok: Uint8Array): { at: Float64Array; ok: Uint8Array } {
  let sorted = true;
  for (let i = 1; i < at.length && sorted; i++) sorted = at[i - 1]! <= at[i]!;
  if (sorted) return { at, ok };
  const order = Array.from(at.keys()).sort((a, b) => at[a]! - at[b]!);
  return { at: Float64Array.from(order, (i) => at[i]!), ok: Uint8Array.from(order, (i) => ok[i]!) };
}
