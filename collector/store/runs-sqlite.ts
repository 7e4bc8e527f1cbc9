import type Database from "better-sqlite3";
import {
  RUN_COLUMNS,
  runColumns,
  runRowValues,
  type RawRow,
  type RunColumns,
  type RunRow,
  type SeriesPlan,
} from "./compaction.js";
import { isCompactable } from "./compactable.js";
import type { CompactionStore } from "./types.js";

/**
 * The SQLite side of compaction (collector/store/compaction.ts): reading run rows beside raw
 * results, and writing a series' plan in one transaction.
 */

interface RunDbRow {
  service: string;
  vantage: string;
  started_at: number;
  run_end: number;
  ok: number;
  code: string | null;
  stage: string | null;
  segment_start: number;
  represents: number;
}

/** A run row in the planner's shape (both stores' columns are alike). */
export function runFromRow(r: RunDbRow): RunRow {
  return {
    service: r.service,
    vantage: r.vantage,
    startedAt: Number(r.started_at),
    runEnd: Number(r.run_end),
    ok: Number(r.ok),
    code: r.code,
    stage: r.stage,
    segmentStart: Number(r.segment_start),
    represents: Number(r.represents),
  };
}

/**
 * The run rows a window `[from, to)` reads: those starting in it, and the rows of the segment that
 * reaches into it from before (its results continue past `from`), so a run is never cut in two.
 */
export function runsIn(db: Database.Database, from: number, to: number): RunColumns[] {
  // A ledger opened read-only from before compaction existed has no check_runs table.
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'check_runs'").get();
  if (table === undefined || db.prepare("SELECT 1 FROM check_runs LIMIT 1").get() === undefined) return [];
  const before = db.prepare(
    "SELECT * FROM check_runs WHERE service = ? AND vantage = ? AND started_at < ? ORDER BY started_at DESC LIMIT 1",
  );
  const segment = db.prepare(
    "SELECT * FROM check_runs WHERE service = ? AND vantage = ? AND segment_start = ? AND started_at < ? ORDER BY started_at",
  );
  // The window's rows of a series as one row of aggregates, in the series index's (time) order.
  const inside = db.prepare(`SELECT count(*) AS n, json_group_array(started_at) AS at,
      json_group_array(run_end) AS last, group_concat(ok, '') AS ok FROM check_runs
    WHERE service = ? AND vantage = ? AND started_at >= ? AND started_at < ?`);
  const out: RunColumns[] = [];
  for (const { service, vantage } of db.prepare("SELECT service, vantage FROM check_series").all() as {
    service: string;
    vantage: string;
  }[]) {
    const prev = before.get(service, vantage, from) as RunDbRow | undefined;
    if (prev && prev.run_end >= from) {
      out.push(
        ...runColumns(
          (segment.all(service, vantage, prev.segment_start, from) as RunDbRow[]).map(runFromRow),
        ),
      );
    }
    const row = inside.get(service, vantage, from, to) as {
      n: number;
      at: string;
      last: string;
      ok: string | null;
    };
    if (row.n === 0) continue;
    const ok = new Uint8Array(row.n);
    for (let i = 0; i < row.n; i++) ok[i] = row.ok!.charCodeAt(i) - 48;
    out.push({
      service,
      vantage,
      at: JSON.parse(row.at) as number[],
      ok,
      last: JSON.parse(row.last) as number[],
    });
  }
  return out;
}

/** The compaction store over a SQLite ledger. */
export function sqliteCompaction(db: Database.Database): CompactionStore {
  const apply = db.transaction((plan: SeriesPlan) => {
    const insert = db.prepare(`INSERT INTO check_runs (${RUN_COLUMNS})
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const update = db.prepare(`UPDATE check_runs SET run_end = ?, represents = ?
      WHERE service = ? AND vantage = ? AND started_at = ? AND segment_start = ?`);
    const remove = db.prepare("DELETE FROM check_results WHERE id = ?");
    for (const r of plan.insert) {
      insert.run(...runRowValues(r));
    }
    for (const r of plan.update)
      update.run(r.runEnd, r.represents, r.service, r.vantage, r.startedAt, r.segmentStart);
    if (plan.range) {
      db.prepare(
        "DELETE FROM check_results WHERE service = ? AND vantage = ? AND started_at >= ? AND started_at < ?",
      ).run(plan.range.service, plan.range.vantage, plan.range.from, plan.range.before);
    } else for (const id of plan.deleteIds) remove.run(id);
  });
  return {
    boundary: async () =>
      (
        db.prepare("SELECT value FROM ledger_meta WHERE key = 'compacted_through'").get() as
          { value: number } | undefined
      )?.value ?? 0,
    series: async (before) =>
      (
        db
          .prepare(
            `SELECT s.service, s.vantage, (SELECT kind FROM check_results c WHERE c.service = s.service
              AND c.vantage = s.vantage AND c.started_at < ? ORDER BY c.started_at LIMIT 1) AS kind
            FROM check_series s`,
          )
          .all(before) as { service: string; vantage: string; kind: string | null }[]
      ).flatMap((r) => (r.kind !== null && isCompactable(r.kind) ? [{ ...r, kind: r.kind }] : [])),
    raw: async (service, vantage, from, before) =>
      db
        .prepare(
          `SELECT id, started_at AS startedAt, ok, code, stage FROM check_results
          WHERE service = ? AND vantage = ? AND started_at >= ? AND started_at < ? ORDER BY started_at, ok`,
        )
        .all(service, vantage, from, before) as RawRow[],
    oldestRaw: async (service, vantage) =>
      (
        db
          .prepare("SELECT min(started_at) AS t FROM check_results WHERE service = ? AND vantage = ?")
          .get(service, vantage) as { t: number | null }
      ).t ?? undefined,
    tail: async (service, vantage) => {
      const last = db
        .prepare(
          "SELECT segment_start FROM check_runs WHERE service = ? AND vantage = ? ORDER BY started_at DESC LIMIT 1",
        )
        .get(service, vantage) as { segment_start: number } | undefined;
      if (!last) return [];
      return (
        db
          .prepare(
            "SELECT * FROM check_runs WHERE service = ? AND vantage = ? AND segment_start = ? ORDER BY started_at",
          )
          .all(service, vantage, last.segment_start) as RunDbRow[]
      ).map(runFromRow);
    },
    apply: async (plan) => apply(plan),
    setBoundary: async (before) =>
      void db
        .prepare(
          `INSERT INTO ledger_meta (key, value) VALUES ('compacted_through', ?)
          ON CONFLICT (key) DO UPDATE SET value = max(value, excluded.value)`,
        )
        .run(before),
    runCount: async () => (db.prepare("SELECT count(*) AS n FROM check_runs").get() as { n: number }).n,
  };
}
