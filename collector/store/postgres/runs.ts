import type { Pool } from "pg";
import {
  RUN_COLUMNS,
  runRowValues,
  type RawRow,
  type RunColumns,
  type RunRow,
  type SeriesPlan,
} from "../compaction.js";
import { isCompactable } from "../compactable.js";
import { runFromRow } from "../runs-sqlite.js";
import type { CompactionStore } from "../types.js";
import { inTransaction } from "./declarations.js";

/**
 * The PostgreSQL side of compaction (collector/store/compaction.ts), the same reads and writes as
 * collector/store/runs-sqlite.ts: run rows read beside raw results, a series' plan in one transaction.
 */

type RunDbRow = Parameters<typeof runFromRow>[0];

/**
 * Run rows of `[from, to)` and of the segment reaching into it from before, as columns per series
 * (one query, one aggregate row per series). Every
 * read goes through the series index (service, vantage, started_at): the series are found by a
 * skip scan of it (one probe per series, not a scan of every run row), and each series' window
 * and reaching segment by a range of it, so a month costs its own rows whatever the years kept.
 */
export async function pgRunsIn(pool: Pool, from: number, to: number): Promise<RunColumns[]> {
  const { rows } = await pool.query<{
    service: string;
    vantage: string;
    at: number[];
    last: number[];
    ok: string;
  }>(
    `WITH RECURSIVE pairs AS (
      (SELECT service, vantage FROM check_runs ORDER BY service, vantage LIMIT 1)
      UNION ALL
      SELECT n.service, n.vantage FROM pairs p CROSS JOIN LATERAL (SELECT c.service, c.vantage
        FROM check_runs c WHERE (c.service, c.vantage) > (p.service, p.vantage)
        ORDER BY c.service, c.vantage LIMIT 1) n),
    reaching AS (
      SELECT p.* FROM pairs s CROSS JOIN LATERAL (SELECT * FROM check_runs c WHERE c.service = s.service
        AND c.vantage = s.vantage AND c.started_at < $1 ORDER BY c.started_at DESC LIMIT 1) p
      WHERE p.run_end >= $1),
    picked AS (
      SELECT c.service, c.vantage, c.started_at, c.run_end, c.ok FROM reaching r CROSS JOIN LATERAL (
        SELECT * FROM check_runs c WHERE c.service = r.service AND c.vantage = r.vantage
        AND c.started_at >= r.segment_start AND c.started_at < $1 AND c.segment_start = r.segment_start) c
      UNION ALL
      SELECT c.service, c.vantage, c.started_at, c.run_end, c.ok FROM pairs s CROSS JOIN LATERAL (
        SELECT * FROM check_runs c WHERE c.service = s.service AND c.vantage = s.vantage
        AND c.started_at >= $1 AND c.started_at < $2) c)
    SELECT service, vantage, array_agg(started_at::float8 ORDER BY started_at) AS at,
      array_agg(run_end::float8 ORDER BY started_at) AS last, string_agg(ok::text, '' ORDER BY started_at) AS ok
    FROM picked GROUP BY service, vantage`,
    [from, to],
  );
  return rows.map((r) => {
    const ok = new Uint8Array(r.ok.length);
    for (let i = 0; i < ok.length; i++) ok[i] = r.ok.charCodeAt(i) - 48;
    return { service: r.service, vantage: r.vantage, at: r.at, ok, last: r.last };
  });
}

/** Run rows as one array per column of {@link RUN_COLUMNS}, for `unnest`. */
function runColumnsOf(rows: readonly RunRow[]): unknown[][] {
  const cols: unknown[][] = Array.from({ length: 9 }, () => []);
  for (const r of rows) runRowValues(r).forEach((v, i) => cols[i]!.push(v));
  return cols;
}

/** The compaction store over PostgreSQL. */
export function pgCompaction(pool: Pool): CompactionStore {
  return {
    boundary: async () =>
      (await pool.query<{ value: number }>("SELECT value FROM ledger_meta WHERE key = 'compacted_through'"))
        .rows[0]?.value ?? 0,
    series: async (before) => {
      const { rows } = await pool.query<{ service: string; vantage: string; kind: string | null }>(
        `SELECT s.service, s.vantage, (SELECT kind FROM check_results c WHERE c.service = s.service
          AND c.vantage = s.vantage AND c.started_at < $1 ORDER BY c.started_at LIMIT 1) AS kind
        FROM check_series s`,
        [before],
      );
      return rows.flatMap((r) => (r.kind !== null && isCompactable(r.kind) ? [{ ...r, kind: r.kind }] : []));
    },
    raw: async (service, vantage, from, before) =>
      (
        await pool.query<RawRow>(
          `SELECT id, started_at AS "startedAt", ok, code, stage FROM check_results
          WHERE service = $1 AND vantage = $2 AND started_at >= $3 AND started_at < $4 ORDER BY started_at, ok`,
          [service, vantage, from, before],
        )
      ).rows,
    oldestRaw: async (service, vantage) =>
      (
        await pool.query<{ t: number | null }>(
          "SELECT min(started_at) AS t FROM check_results WHERE service = $1 AND vantage = $2",
          [service, vantage],
        )
      ).rows[0]?.t ?? undefined,
    tail: async (service, vantage) =>
      (
        await pool.query<RunDbRow>(
          `SELECT * FROM check_runs WHERE service = $1 AND vantage = $2 AND segment_start = (
            SELECT segment_start FROM check_runs WHERE service = $1 AND vantage = $2
            ORDER BY started_at DESC LIMIT 1) ORDER BY started_at`,
          [service, vantage],
        )
      ).rows.map(runFromRow),
    apply: (plan: SeriesPlan) =>
      inTransaction(pool, async (client) => {
        const ins = plan.insert;
        if (ins.length > 0) {
          await client.query(
            `INSERT INTO check_runs (${RUN_COLUMNS})
            SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::smallint[], $6::text[],
              $7::text[], $8::bigint[], $9::bigint[])`,
            runColumnsOf(ins),
          );
        }
        for (const r of plan.update) {
          await client.query(
            `UPDATE check_runs SET run_end = $1, represents = $2
            WHERE service = $3 AND vantage = $4 AND started_at = $5 AND segment_start = $6`,
            [r.runEnd, r.represents, r.service, r.vantage, r.startedAt, r.segmentStart],
          );
        }
        if (plan.range) {
          const { service, vantage, from, before } = plan.range;
          await client.query(
            "DELETE FROM check_results WHERE service = $1 AND vantage = $2 AND started_at >= $3 AND started_at < $4",
            [service, vantage, from, before],
          );
        } else if (plan.deleteIds.length > 0) {
          await client.query("DELETE FROM check_results WHERE id = ANY($1::text[])", [plan.deleteIds]);
        }
      }),
    setBoundary: async (before) =>
      void (await pool.query(
        `INSERT INTO ledger_meta (key, value) VALUES ('compacted_through', $1)
        ON CONFLICT (key) DO UPDATE SET value = GREATEST(ledger_meta.value, excluded.value)`,
        [before],
      )),
    runCount: async () =>
      (await pool.query<{ n: number }>("SELECT count(*) AS n FROM check_runs")).rows[0]!.n,
  };
}
