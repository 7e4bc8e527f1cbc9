import { randomUUID } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { monthRange } from "../collector/sla/calendar.js";
import { computeMonth, type PeriodResult } from "../collector/sla/engine.js";
import { lookbackMs } from "../collector/sla/timeline.js";
import { computeYear } from "../collector/sla/year.js";
import type { ObservationSeries } from "../collector/sla/vantage-state.js";
import { compactionRules, compactLedger } from "../collector/store/compact-ledger.js";
import {
  mergeRuns,
  planSeries,
  RUN_COLUMNS,
  runRowValues,
  type RawRow,
  type RunColumns,
  type RunRow,
} from "../collector/store/compaction.js";

import { openDatabase } from "../collector/store/db.js";
import { runsIn } from "../collector/store/runs-sqlite.js";
import { openStore } from "../collector/store/index.js";
import { openPostgresStore } from "../collector/store/postgres/index.js";
import { pgRunsIn } from "../collector/store/postgres/runs.js";
import type { CollectorStore } from "../collector/store/types.js";
import { startPostgres, type PostgresServer } from "../test/stack/postgres.js";
import {
  type Bench,
  type BenchContext,
  type Figure,
  figureMaker,
  median,
  scratch,
  sig,
  timed,
} from "./measure.js";
import { NATIONAL, NationalShape, PROVINCES } from "./national.js";
import { copyFrom, copyText } from "../collector/store/postgres/copy.js";
import { PG_SETTINGS } from "./pg-ingest.js";
import { CHECK_KIND, lowerBound, payloads, writeMonth } from "./sqlite-month.js";

/** Run rows in a read's columns. */
const rowsOf = (cols: readonly RunColumns[]) => cols.reduce((n, c) => n + c.at.length, 0);

/**
 * The national shape's month and year (issue 13) on both ledgers, from raw results and from
 * compacted runs, and the bytes a result costs in each. A raw month (~67 M results, ~30 GB a
 * store) does not fit this machine's disk and time, so raw is measured on the month's first hours
 * (cumulative slices, to show how the time grows) and compacted by compactLedger there; the year's
 * compacted runs are planned series by series with the store's own planner (planSeries, the one
 * compactLedger calls) from the generated raw results and written straight into check_runs, so
 * no raw year ever exists. Times are what an SLA request pays before the engine's caches: the
 * store's observationSeries for the period plus computeMonth / computeYear.
 */

const f = figureMaker("national");
const HOUR = 3_600_000;
/** Cumulative raw slices from the month's start, hours (MAILSLA_BENCH_NATIONAL_HOURS). */
const SLICES = (process.env.MAILSLA_BENCH_NATIONAL_HOURS ?? "6,24").split(",").map(Number);
const count = (n: number) => n.toLocaleString("en-US");

/** Runs `work` `runs` times; the median wall time and the last value. */
async function repeat<T>(
  work: () => Promise<T> | T,
  runs = 2,
): Promise<{ value: T; wall: number; best: number }> {
  const walls: number[] = [];
  let value!: T;
  for (let i = 0; i < runs; i++) {
    const r = await timed(work);
    walls.push(r.timing.wallSeconds);
    value = r.value;
  }
  return { value, wall: median(walls), best: Math.min(...walls) };
}

const sameFigures = (a: PeriodResult, b: PeriodResult) =>
  JSON.stringify(a.figures) === JSON.stringify(b.figures);

/** SQLite file with its WAL and shared memory. */
function sqliteBytes(file: string): number {
  return [file, `${file}-wal`, `${file}-shm`].reduce((n, p) => n + (existsSync(p) ? statSync(p).size : 0), 0);
}

async function pgBytes(url: string, tables: readonly string[]): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query("CHECKPOINT").catch(() => undefined);
    const { rows } = await c.query<{ n: string }>(
      `SELECT sum(pg_total_relation_size(t::regclass)) AS n FROM unnest($1::text[]) AS t`,
      [tables],
    );
    return Number(rows[0]!.n);
  } finally {
    await c.end();
  }
}

const COPY_RAW = `COPY check_results (id, service, vantage, kind, started_at, ok, code, stage,
  duration_seconds, payload, received_at) FROM STDIN`;
const COPY_RUNS = `COPY check_runs (${RUN_COLUMNS}) FROM STDIN`;

/** writeMonth's rows (same payloads, time-interleaved) into PostgreSQL by COPY, an hour a transaction. */
async function pgWriteRaw(pool: pg.Pool, series: readonly ObservationSeries[], from: number, to: number) {
  const writers = series.map((s) => ({
    s,
    kind: CHECK_KIND[s.service.split(".")[0]!] ?? "smtp",
    payload: payloads(s),
    next: lowerBound(s.at, from),
  }));
  const client = await pool.connect();
  let rows = 0;
  try {
    for (let t = from; t < to; t += HOUR) {
      const until = Math.min(to, t + HOUR);
      const chunk: unknown[][] = [];
      for (const w of writers) {
        for (; w.next < w.s.at.length && w.s.at[w.next]! < until; w.next++) {
          const at = w.s.at[w.next]!;
          const ok = Boolean(w.s.ok[w.next]);
          const id = randomUUID();
          chunk.push([
            id,
            w.s.service,
            w.s.vantage,
            w.kind,
            at,
            ok ? 1 : 0,
            ok ? null : "timeout",
            ok ? null : "banner",
            0.142,
            w.payload(id, at, ok),
            at + 2000,
          ]);
        }
      }
      rows += await copyFrom(client, COPY_RAW, copyText(chunk));
    }
    await client.query(
      `INSERT INTO check_series (service, vantage) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING`,
      [series.map((s) => s.service), series.map((s) => s.vantage)],
    );
  } finally {
    client.release();
  }
  return rows;
}

interface Ledgers {
  sqlite: { file: string; open: () => Promise<CollectorStore> };
  postgres: { url: string; open: () => Promise<CollectorStore & { pool: pg.Pool }> };
}

type Which = keyof Ledgers;
const WHICH: readonly Which[] = ["sqlite", "postgres"];

/** Times a month (load + computeMonth) on one ledger. */
async function timeMonth(store: CollectorStore, shape: NationalShape, month: string, now: number) {
  const range = monthRange(month, shape.setup.timeZone);
  const from = range.start - lookbackMs(shape.setup);
  const load = await repeat(() => store.results.observationSeries(from, range.end));
  const results = load.value.reduce((n, s) => n + s.at.length, 0);
  const compute = await repeat(() => computeMonth(shape.input(load.value, now), month));
  return { load, compute, total: load.wall + compute.wall, rows: results, result: compute.value };
}

export const nationalBench: Bench = {
  name: "national",
  question:
    "month and year of the national shape (31 provinces × 50 services, 1-minute checks), raw vs compacted, SQLite and PostgreSQL",
  async run(ctx: BenchContext): Promise<Figure[]> {
    const out: Figure[] = [];
    const tmp = scratch(ctx.baseDir, "national");
    const cleanup: (() => Promise<unknown> | unknown)[] = [() => tmp.remove()];
    try {
      const shape = new NationalShape();
      const { setup } = shape;
      const month = NATIONAL.month;
      const range = monthRange(month, setup.timeZone);
      const from = range.start - lookbackMs(setup);
      const now = shape.year.end + 86_400_000;
      const server: PostgresServer = await startPostgres({ durable: true, settings: PG_SETTINGS });
      cleanup.push(() => server.stop());
      const pgLedger = async (name: string) => {
        const url = await server.database(name);
        return { url, open: () => openPostgresStore({ url, poolSize: 4, statementTimeout: 600_000 }) };
      };
      const raw: Ledgers = {
        sqlite: {
          file: join(tmp.dir, "raw.sqlite"),
          open: async () => openStore(join(tmp.dir, "raw.sqlite")),
        },
        postgres: await pgLedger("raw"),
      };
      // The schema in both (a collector makes it at start).
      for (const w of WHICH) await (await raw[w].open()).close();

      // 1. Raw slices of the month, cumulative.
      let written = from;
      let rows = 0;
      const slices: {
        hours: number;
        rows: number;
        t: Record<Which, Awaited<ReturnType<typeof timeMonth>>>;
        bytes: Record<Which, number>;
      }[] = [];
      for (const hours of SLICES) {
        const until = range.start + hours * HOUR;
        const series = shape.allSeries(written, until);
        const n = series.reduce((k, s) => k + s.at.length, 0);
        ctx.log(
          `national: writing ${count(n)} raw results up to +${hours} h into SQLite and PostgreSQL (setup)`,
        );
        writeMonth(raw.sqlite.file, series, written, until);
        const pgStore = await raw.postgres.open();
        try {
          await pgWriteRaw(pgStore.pool, series, written, until);
          await pgStore.pool.query("VACUUM ANALYZE check_results");
        } finally {
          await pgStore.close();
        }
        written = until;
        rows += n;
        const t = {} as Record<Which, Awaited<ReturnType<typeof timeMonth>>>;
        for (const w of WHICH) {
          const store = await raw[w].open();
          try {
            ctx.log(`national: ${w} month from raw, ${count(rows)} results`);
            t[w] = await timeMonth(store, shape, month, now);
          } finally {
            await store.close();
          }
        }
        const bytes = {
          sqlite: sqliteBytes(raw.sqlite.file),
          postgres: await pgBytes(raw.postgres.url, ["check_results", "check_series"]),
        };
        slices.push({ hours, rows, t, bytes });
      }
      const fullMonthRows = shape.allSeries(from, range.end).reduce((k, s) => k + s.at.length, 0);
      for (const s of slices) {
        for (const w of WHICH) {
          const t = s.t[w];
          out.push(
            f(
              `${w}: month from raw, first ${s.hours} h`,
              sig(t.total),
              "s",
              `${count(s.rows)} results; load ${sig(t.load.wall)} s + computeMonth ${sig(t.compute.wall)} s (medians of 2)`,
            ),
          );
        }
      }
      const last = slices.at(-1)!;
      /** The raw month's time: a line through the first and last slice (fixed cost + per result). */
      const projected = (w: Which, results: number) => {
        const a = slices[0]!;
        if (slices.length < 2 || last.rows === a.rows) return (last.t[w].total / last.rows) * results;
        const slope = Math.max(0, (last.t[w].total - a.t[w].total) / (last.rows - a.rows));
        return last.t[w].total + slope * (results - last.rows);
      };
      for (const w of WHICH) {
        out.push(
          f(
            `${w}: month from raw, projected`,
            sig(projected(w, fullMonthRows)),
            "s",
            `${count(fullMonthRows)} results: a line through the ${slices[0]!.hours} h and ${last.hours} h slices; proportional to the ${last.hours} h slice: ${sig((last.t[w].total / last.rows) * fullMonthRows)} s`,
          ),
          f(
            `${w}: raw bytes per result`,
            sig(last.bytes[w] / last.rows),
            "B",
            w === "sqlite" ? "file + WAL" : "check_results + check_series, indexes and TOAST",
          ),
        );
      }

      // 2. Compact the raw slice with compactLedger; the same month from the runs.
      for (const w of WHICH) {
        const store = await raw[w].open();
        try {
          ctx.log(`national: ${w} compactLedger of ${count(rows)} results`);
          const c = await timed(() => compactLedger(store, compactionRules(setup), written));
          const after = await timeMonth(store, shape, month, now);
          out.push(
            f(
              `${w}: compactLedger`,
              sig(c.timing.wallSeconds),
              "s",
              `${count(c.value.rawRemoved)} results → ${count(c.value.runsWritten)} run rows, ${Math.round(c.value.rawRemoved / c.timing.wallSeconds)} results/s`,
            ),
            f(
              `${w}: month from compacted, first ${last.hours} h`,
              sig(after.total),
              "s",
              `load ${sig(after.load.wall)} s + computeMonth ${sig(after.compute.wall)} s; ratio to raw ${sig(after.total / last.t[w].total, 2)}×`,
            ),
            f(
              `${w}: same figures compacted vs raw`,
              sameFigures(after.result, last.t[w].result) ? "yes" : "NO",
              "",
              `first ${last.hours} h of ${month}`,
            ),
          );
        } finally {
          await store.close();
        }
      }

      // 3. The year's compacted runs, planned per series, written straight into fresh ledgers.
      const yearFile = join(tmp.dir, "year.sqlite");
      const yearPg = await pgLedger("year");
      await (await openStore(yearFile)).close();
      const pgStore = await yearPg.open();
      const db = openDatabase(yearFile);
      db.pragma("journal_mode = OFF");
      db.pragma("synchronous = OFF");
      const insert = db.prepare(`INSERT INTO check_runs (${RUN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
      const pair = db.prepare("INSERT OR IGNORE INTO check_series (service, vantage) VALUES (?, ?)");
      const writeSqlite = db.transaction((runs: readonly RunRow[]) => {
        for (const r of runs) insert.run(...runRowValues(r));
        if (runs[0]) pair.run(runs[0].service, runs[0].vantage);
      });
      const staleMs = 3 * 60_000;
      let represented = 0;
      let runCount = 0;
      ctx.log("national: planning and writing the compacted year (1,550 series × ~527,000 results)");
      const plan = await timed(async () => {
        let pending: RunRow[] = [];
        const client = await pgStore.pool.connect();
        try {
          for (let s = 0; s < setup.services.length; s++) {
            for (let v = 0; v < PROVINCES.length; v++) {
              const series = shape.series(s, v, shape.t0, shape.year.end);
              const rawRows: RawRow[] = new Array(series.at.length);
              for (let i = 0; i < series.at.length; i++) {
                const ok = Number(series.ok[i]);
                rawRows[i] = {
                  id: "",
                  startedAt: series.at[i]!,
                  ok,
                  code: ok ? null : "timeout",
                  stage: ok ? null : "banner",
                };
              }
              const p = planSeries(
                series.service,
                series.vantage,
                [],
                rawRows,
                staleMs,
                setup.thresholds.consecutiveFailures,
              );
              represented += series.at.length;
              runCount += p.insert.length;
              writeSqlite(p.insert);
              pending.push(...p.insert);
            }
            const text = copyText(pending.map(runRowValues));
            await copyFrom(client, COPY_RUNS, text);
            pending = [];
          }
          await client.query(
            "INSERT INTO check_series (service, vantage) SELECT DISTINCT service, vantage FROM check_runs ON CONFLICT DO NOTHING",
          );
          await client.query("VACUUM ANALYZE check_runs");
        } finally {
          client.release();
        }
      });
      db.close();
      await pgStore.close();
      out.push(
        f(
          "year: results represented",
          represented,
          "results",
          `${setup.services.length} services × ${PROVINCES.length} provinces, ${NATIONAL.year}`,
        ),
        f(
          "year: run rows",
          runCount,
          "rows",
          `${sig((100 * runCount) / represented, 2)} % of the results; planned by planSeries, written directly`,
        ),
        f(
          "year: plan + write (setup)",
          sig(plan.timing.wallSeconds),
          "s",
          "generate, planSeries, insert into both ledgers",
        ),
      );
      const year: Ledgers = {
        sqlite: { file: yearFile, open: async () => openStore(yearFile) },
        postgres: yearPg,
      };
      const yearBytes = {
        sqlite: sqliteBytes(yearFile),
        postgres: await pgBytes(yearPg.url, ["check_runs", "check_series"]),
      };
      const monthFrom: Partial<Record<Which, PeriodResult>> = {};
      for (const w of WHICH) {
        const store = await year[w].open();
        try {
          ctx.log(`national: ${w} month and year from compacted runs`);
          const m = await timeMonth(store, shape, month, now);
          monthFrom[w] = m.result;
          const yFrom = shape.year.start - lookbackMs(setup);
          const load = await repeat(() => store.results.observationSeries(yFrom, shape.year.end));
          const compute = await repeat(() => computeYear(shape.input(load.value, now), NATIONAL.year));
          out.push(
            f(
              `${w}: month from compacted runs`,
              sig(m.total),
              "s",
              `${month}, ${count(m.rows)} observations; load ${sig(m.load.wall)} s + computeMonth ${sig(m.compute.wall)} s; target <= 2 s; raw projected ${sig(projected(w, fullMonthRows))} s (${sig(projected(w, fullMonthRows) / m.total, 2)}× the compacted)`,
            ),
            f(
              `${w}: year from compacted runs`,
              sig(load.wall + compute.wall),
              "s",
              `load ${sig(load.wall)} s + computeYear ${sig(compute.wall)} s (medians of 2); target <= 10 s; raw projected ${sig(projected(w, fullMonthRows) * 12)} s (12 raw months)`,
            ),
            f(
              `${w}: compacted bytes per result`,
              sig(yearBytes[w] / represented, 3),
              "B",
              `${(yearBytes[w] / 2 ** 20).toFixed(0)} MiB for the year's runs; raw ${sig(last.bytes[w] / last.rows)} B (${sig(last.bytes[w] / last.rows / (yearBytes[w] / represented), 3)}× more)`,
            ),
          );
        } finally {
          await store.close();
        }
      }
      // Where a compacted load goes: the run rows' query, and mergeRuns (collector/store/compaction.ts).
      const periods = [
        ["month", from, range.end],
        ["year", shape.year.start - lookbackMs(setup), shape.year.end],
      ] as const;
      const pgYear = await yearPg.open();
      const sqliteYear = openDatabase(yearFile);
      try {
        for (const [name, a, b] of periods) {
          const q = await timed(() => pgRunsIn(pgYear.pool, a, b));
          const sq = await timed(() => runsIn(sqliteYear, a, b));
          const merge = await timed(() => mergeRuns([], q.value, b));
          out.push(
            f(
              `postgres: ${name}'s run rows query`,
              sig(q.timing.wallSeconds),
              "s",
              `pgRunsIn, ${count(rowsOf(q.value))} rows in ${count(q.value.length)} series`,
            ),
            f(
              `sqlite: ${name}'s run rows query`,
              sig(sq.timing.wallSeconds),
              "s",
              `runsIn, ${count(rowsOf(sq.value))} rows in ${count(sq.value.length)} series`,
            ),
            f(
              `mergeRuns of the ${name}'s run rows`,
              sig(merge.timing.wallSeconds),
              "s",
              "collector/store/compaction.ts, in memory",
            ),
          );
        }
      } finally {
        sqliteYear.close();
        await pgYear.close();
      }

      // 4. The same month from raw results in memory (the engine alone), and the figures compared.
      if (process.env.MAILSLA_BENCH_NATIONAL_RAW_MONTH !== "0") {
        ctx.log(`national: generating the raw month in memory (${count(fullMonthRows)} results)`);
        const series = shape.allSeries(from, range.end);
        const compute = await timed(() => computeMonth(shape.input(series, now), month));
        out.push(
          f(
            "engine: month from raw in memory",
            sig(compute.timing.wallSeconds),
            "s",
            `computeMonth on ${count(fullMonthRows)} results, no ledger read; 1 run`,
          ),
          ...WHICH.map((w) =>
            f(
              `${w}: same figures, month from runs vs raw`,
              monthFrom[w] && sameFigures(monthFrom[w], compute.value) ? "yes" : "NO",
              "",
              month,
            ),
          ),
        );
      }
      out.push(
        f("peak RSS", Math.round(process.resourceUsage().maxRSS / 1024), "MiB", "whole bench process"),
      );
      return out;
    } finally {
      for (const c of cleanup.reverse()) await c();
    }
  },
};
