import type { Pool, PoolClient } from "pg";
import type { ProbeResult } from "../../../contract/result.js";
import type { FailureCause, RunStart } from "../../sla/causes.js";
import type { ObservationSeries } from "../../sla/vantage-state.js";
import type { ExportPoint } from "../export-queue.js";
import {
  checkRow,
  inTimeOrder,
  type DeliveryPayload,
  type IngestRecord,
  type ResultQuery,
  type StoredCheck,
  type StoredDelivery,
} from "../results.js";
import { mergeRuns } from "../compaction.js";
import type { ResultReader } from "../types.js";
import { pgRunsIn } from "./runs.js";
import { copyFrom, copyText } from "./copy.js";

/**
 * Probe results in PostgreSQL: the SQLite ledger's columns (collector/store/results.ts), written a
 * batch per statement (a `COPY`, or `unnest` of column arrays with `ON CONFLICT DO NOTHING` when the
 * batch repeats a stored id: {@link WriteMode}), so one ingest costs a few round trips whatever its
 * size, and two replicas storing the same result at once store it once.
 * Text is ordered `COLLATE "C"` (bytes, as SQLite orders it), whatever the database's locale.
 */

/** Rows as one array per column, for `unnest`. */
function columns(rows: readonly (readonly unknown[])[], width: number): unknown[][] {
  const cols: unknown[][] = Array.from({ length: width }, () => []);
  for (const row of rows) row.forEach((v, i) => cols[i]!.push(v));
  return cols;
}

/** A result table as both writers name it: its columns, and their types for `unnest`. */
interface Table {
  name: string;
  columns: string;
  types: readonly string[];
}
const CHECKS: Table = {
  name: "check_results",
  columns: "id, service, vantage, kind, started_at, ok, code, stage, duration_seconds, payload, received_at",
  types: ["text", "text", "text", "text", "bigint", "smallint", "text", "text", "float8", "text", "bigint"],
};
const DELIVERIES: Table = {
  name: "delivery_results",
  columns: "id, vantage, delivery, at, payload, received_at",
  types: ["text", "text", "text", "bigint", "text", "bigint"],
};

/** Stores every row by `COPY`; a row whose id is stored (or repeated) fails the whole statement. */
const copyRows = (client: PoolClient, t: Table, rows: unknown[][]) =>
  copyFrom(client, `COPY ${t.name} (${t.columns}) FROM STDIN`, copyText(rows));

/** Stores the rows whose id is new (`unnest`, `ON CONFLICT DO NOTHING`); returns their ids. */
async function upsertRows(client: PoolClient, t: Table, rows: unknown[][]): Promise<string[]> {
  const arrays = t.types.map((type, i) => `$${i + 1}::${type}[]`).join(", ");
  const { rows: stored } = await client.query<{ id: string }>(
    `INSERT INTO ${t.name} (${t.columns}) SELECT * FROM unnest(${arrays})
    ON CONFLICT (id) DO NOTHING RETURNING id`,
    columns(rows, t.types.length),
  );
  return stored.map((r) => r.id);
}

/** A delivery's row; it belongs to the time the operator took the message over (collector/sla/delivery.ts). */
const deliveryRow = (d: DeliveryPayload, vantage: string, receivedAt: number) => [
  d.id,
  vantage,
  d.delivery,
  d.sentAt,
  JSON.stringify(d),
  receivedAt,
];

/**
 * How a batch is written. `copy`: `COPY ... FROM STDIN` of every row, for a batch none of whose ids
 * is stored yet (the usual push); any id already stored, or twice in the batch, fails the whole
 * statement with a unique violation ({@link isUniqueViolation}), and the caller writes the batch
 * again in a new transaction as `upsert`: `INSERT ... SELECT FROM unnest ... ON CONFLICT DO NOTHING`,
 * which stores what is new and tells which ids were. Both leave the same rows.
 */
export type WriteMode = "copy" | "upsert";

/** Whether `err` is PostgreSQL's unique_violation (SQLSTATE 23505): the batch repeats a stored id. */
export function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === "23505";
}

/** What one batch wrote: the records stored now, and the (service, vantage) pairs newly indexed. */
export interface BatchWrite {
  stored: IngestRecord[];
  /** Keys `service\u0000vantage` of check_series rows this transaction added (cache them after COMMIT). */
  newSeries: string[];
}

/** The key of a (service, vantage) pair in a cache of check_series. */
const seriesKey = (service: string, vantage: string): string => `${service}\u0000${vantage}`;

/**
 * Stores the records of one batch inside the caller's transaction ({@link WriteMode}); returns
 * those that were new. Export points of the new records are queued in the same transaction, and
 * the series index gets the pairs `knownSeries` does not hold yet.
 */
export async function insertBatch(
  client: PoolClient,
  vantage: string,
  records: readonly IngestRecord[],
  receivedAt: number,
  mode: WriteMode,
  knownSeries: ReadonlySet<string>,
  toPoints?: (record: IngestRecord) => ExportPoint[],
): Promise<BatchWrite> {
  const checks = records.flatMap((r) => (r.type === "check" ? [r.payload] : []));
  const deliveries = records.flatMap((r) => (r.type === "delivery" ? [r.payload] : []));
  const checkRows = checks.map((r) => checkRow(r, receivedAt));
  const deliveryRows = deliveries.map((d) => deliveryRow(d, vantage, receivedAt));
  let stored: IngestRecord[];
  if (mode === "copy") {
    // every record is stored, or an id already there (or twice in the batch) failed the statement
    if (checkRows.length > 0) await copyRows(client, CHECKS, checkRows);
    if (deliveryRows.length > 0) await copyRows(client, DELIVERIES, deliveryRows);
    stored = [...records];
  } else {
    const fresh = new Set<string>();
    if (checkRows.length > 0)
      for (const id of await upsertRows(client, CHECKS, checkRows)) fresh.add(`check:${id}`);
    if (deliveryRows.length > 0)
      for (const id of await upsertRows(client, DELIVERIES, deliveryRows)) fresh.add(`delivery:${id}`);
    // a batch may hold one id twice: the first occurrence is the one stored
    stored = records.filter((r) => fresh.delete(`${r.type}:${r.payload.id}`));
  }
  const pairs = new Map<string, readonly [string, string]>();
  for (const r of stored) {
    if (r.type !== "check") continue;
    const key = seriesKey(r.payload.check, r.payload.vantage);
    if (!knownSeries.has(key)) pairs.set(key, [r.payload.check, r.payload.vantage]);
  }
  if (pairs.size > 0) {
    const list = [...pairs.values()];
    await client.query(
      `INSERT INTO check_series (service, vantage) SELECT * FROM unnest($1::text[], $2::text[])
      ON CONFLICT DO NOTHING`,
      [list.map((p) => p[0]), list.map((p) => p[1])],
    );
  }
  const points = toPoints ? stored.flatMap((r) => toPoints(r)) : [];
  if (points.length > 0) {
    await client.query("INSERT INTO export_queue (point) SELECT * FROM unnest($1::text[])", [
      points.map((p) => JSON.stringify(p)),
    ]);
  }
  return { stored, newSeries: [...pairs.keys()] };
}

interface CheckRow {
  id: string;
  service: string;
  vantage: string;
  kind: string;
  startedAt: number;
  ok: number;
  code: string | null;
  stage: string | null;
  durationSeconds: number;
}

/** The result tables read over a pool. */
export class PgResults implements ResultReader {
  constructor(private readonly pool: Pool) {}

  async checks(q: ResultQuery): Promise<StoredCheck[]> {
    const where = ["started_at >= $1", "started_at < $2"];
    const params: unknown[] = [q.from, q.to];
    if (q.service !== undefined) where.push(`service = $${params.push(q.service)}`);
    if (q.vantage !== undefined) where.push(`vantage = $${params.push(q.vantage)}`);
    const { rows } = await this.pool.query<CheckRow>(
      `SELECT id, service, vantage, kind, started_at AS "startedAt", ok, code, stage,
        duration_seconds AS "durationSeconds" FROM check_results
      WHERE ${where.join(" AND ")} ORDER BY started_at, id COLLATE "C"`,
      params,
    );
    return rows.map((r) => ({ ...r, ok: r.ok === 1 }));
  }

  async checkPayload(id: string): Promise<ProbeResult | undefined> {
    const { rows } = await this.pool.query<{ payload: string }>(
      "SELECT payload FROM check_results WHERE id = $1",
      [id],
    );
    return rows[0] ? (JSON.parse(rows[0].payload) as ProbeResult) : undefined;
  }

  /**
   * One query for every series: each comes back as one row of two aggregates (times as a float8
   * array, the ok column as a string of digits), in the order of the SQLite ledger's covering index
   * (time, then ok), so both stores hand the engine identical series.
   */
  async observationSeries(from: number, to: number): Promise<ObservationSeries[]> {
    const { rows } = await this.pool.query<{ service: string; vantage: string; at: number[]; ok: string }>(
      `SELECT service, vantage, array_agg(started_at::float8 ORDER BY started_at, ok) AS at,
        string_agg(ok::text, '' ORDER BY started_at, ok) AS ok
      FROM check_results WHERE started_at >= $1 AND started_at < $2
      GROUP BY service, vantage ORDER BY service COLLATE "C", vantage COLLATE "C"`,
      [from, to],
    );
    const raw = rows.map((r) => {
      const ok = new Uint8Array(r.ok.length);
      for (let i = 0; i < ok.length; i++) ok[i] = r.ok.charCodeAt(i) - 48;
      return { service: r.service, vantage: r.vantage, ...inTimeOrder(Float64Array.from(r.at), ok) };
    });
    return mergeRuns(raw, await pgRunsIn(this.pool, from, to), to);
  }

  async causes(starts: readonly RunStart[]): Promise<FailureCause[]> {
    if (starts.length === 0) return [];
    const { rows } = await this.pool.query<FailureCause>(
      `SELECT DISTINCT ON (s.service, s.vantage, s.at) s.service, s.vantage, s.at, c.code, c.stage
      FROM unnest($1::text[], $2::text[], $3::bigint[]) AS s(service, vantage, at)
      JOIN (SELECT service, vantage, started_at, ok, code, stage, id FROM check_results
        UNION ALL SELECT service, vantage, started_at, ok, code, stage, '' FROM check_runs) c
        ON c.service = s.service AND c.vantage = s.vantage AND c.started_at = s.at AND c.ok = 0
      ORDER BY s.service, s.vantage, s.at, c.id COLLATE "C"`,
      [starts.map((s) => s.service), starts.map((s) => s.vantage), starts.map((s) => s.at)],
    );
    const found = new Map(rows.map((r) => [`${r.service}\u0000${r.vantage}\u0000${r.at}`, r]));
    return starts.flatMap((s) => found.get(`${s.service}\u0000${s.vantage}\u0000${s.at}`) ?? []);
  }

  async deliveries(q: Omit<ResultQuery, "service">): Promise<StoredDelivery[]> {
    const params: unknown[] = [q.from, q.to];
    const vantage = q.vantage !== undefined ? ` AND vantage = $${params.push(q.vantage)}` : "";
    const { rows } = await this.pool.query<{ id: string; vantage: string; at: number; payload: string }>(
      `SELECT id, vantage, at, payload FROM delivery_results WHERE at >= $1 AND at < $2${vantage}
      ORDER BY at, id COLLATE "C"`,
      params,
    );
    return rows.map((r) => ({ ...r, payload: JSON.parse(r.payload) as DeliveryPayload }));
  }

  async holdsName(type: "check" | "delivery", name: string): Promise<boolean> {
    const sql =
      type === "check"
        ? "SELECT 1 FROM check_series WHERE service = $1 LIMIT 1"
        : "SELECT 1 FROM delivery_results WHERE delivery = $1 LIMIT 1";
    return (await this.pool.query(sql, [name])).rows.length > 0;
  }

  async counts(): Promise<{ checks: number; deliveries: number }> {
    const { rows } = await this.pool.query<{ checks: number; deliveries: number }>(
      "SELECT (SELECT count(*) FROM check_results) AS checks, (SELECT count(*) FROM delivery_results) AS deliveries",
    );
    return rows[0]!;
  }
}
