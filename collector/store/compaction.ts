import { NOT_COUNTED, type ObservationSeries } from "../sla/vantage-state.js";

/**
 * Compaction of old check results (issue 13): the engine needs of a series only where its state
 * changes and how long it stays fresh, not every result. Beyond the raw retention, each maximal
 * stretch of results with the same outcome and no gap longer than the stale time (a *segment*) is
 * kept as one run row standing for its first to last result; a failing segment keeps its first
 * `consecutiveFailures` results as rows of their own, since the engine counts failures in a row
 * (collector/sla/vantage-state.ts). Results the engine skips (not counted) are dropped. What
 * remains gives the engine the same failing and fresh intervals, so a compacted month has the same
 * figures as from raw (test/collector/compaction.test.ts). Both stores plan with this module and
 * only write the plan.
 */

/** One row of `check_runs`. */
export interface RunRow {
  readonly service: string;
  readonly vantage: string;
  /** The first result it stands for. */
  readonly startedAt: number;
  /** The last result it stands for (= startedAt for a single result). */
  runEnd: number;
  /** 1 passed, 0 failed (the engine's ok column). */
  readonly ok: number;
  /** Code and stage of its first result (what an incident names when the row starts a failing run). */
  readonly code: string | null;
  readonly stage: string | null;
  /** Where its segment began: the rows of one segment share it. */
  readonly segmentStart: number;
  /** Results it stands for. */
  represents: number;
}

/** The `check_runs` columns, in the order of {@link runRowValues}. */
export const RUN_COLUMNS =
  "service, vantage, started_at, run_end, ok, code, stage, segment_start, represents" as const;

/** A run row's values in the order of {@link RUN_COLUMNS}: what both stores and the bench insert. */
export function runRowValues(r: RunRow): (string | number | null)[] {
  return [r.service, r.vantage, r.startedAt, r.runEnd, r.ok, r.code, r.stage, r.segmentStart, r.represents];
}

/** A raw result as compaction reads it. */
export interface RawRow {
  readonly id: string;
  readonly startedAt: number;
  readonly ok: number;
  readonly code: string | null;
  readonly stage: string | null;
}

/** What to write for one series: new run rows, changed rows of the stored tail, raw rows to delete. */
export interface SeriesPlan {
  readonly insert: RunRow[];
  readonly update: RunRow[];
  readonly deleteIds: string[];
  /**
   * The raw results read, as a range: every one of them is deleted, so a store may delete the range
   * by its index instead of id by id (no result arrives there: admission refuses results older than
   * the raw retention).
   */
  range?: { service: string; vantage: string; from: number; before: number };
}

/** The engine's thresholds compaction keeps exact. */
export interface CompactionRules {
  readonly consecutiveFailures: number;
  /** The stale time of a service (staleAfterIntervals x interval); undefined: leave it raw. */
  staleMs(service: string): number | undefined;
}

/**
 * Plans one series: `tail` is the stored run rows of its last segment (oldest first, at most
 * `consecutiveFailures`), `raw` its raw results before the boundary, oldest first.
 */
export function planSeries(
  service: string,
  vantage: string,
  tail: readonly RunRow[],
  raw: readonly RawRow[],
  staleMs: number,
  consecutiveFailures: number,
): SeriesPlan {
  const insert: RunRow[] = [];
  const inserted = new Set<RunRow>();
  const updated = new Set<RunRow>();
  const rows = tail.map((r) => ({ ...r }));
  let segment = rows.length > 0 ? rows : [];
  for (const r of raw) {
    if (r.ok === NOT_COUNTED) continue;
    const last = segment[segment.length - 1];
    const continues =
      last !== undefined &&
      last.ok === r.ok &&
      r.startedAt >= last.runEnd &&
      r.startedAt - last.runEnd <= staleMs;
    if (continues && (r.ok === 1 || segment.length >= consecutiveFailures)) {
      last.runEnd = r.startedAt;
      last.represents++;
      if (!inserted.has(last)) updated.add(last);
      continue;
    }
    const row: RunRow = {
      service,
      vantage,
      startedAt: r.startedAt,
      runEnd: r.startedAt,
      ok: r.ok,
      code: r.code,
      stage: r.stage,
      segmentStart: continues ? last.segmentStart : r.startedAt,
      represents: 1,
    };
    insert.push(row);
    inserted.add(row);
    segment = continues ? [...segment, row] : [row];
  }
  return { insert, update: [...updated], deleteIds: raw.map((r) => r.id) };
}

/**
 * One series' run rows of a window as columns (what the stores read with one aggregate per series,
 * as they read raw results: building an object per row cost more than the query on a year).
 */
export interface RunColumns {
  readonly service: string;
  readonly vantage: string;
  readonly at: ArrayLike<number>;
  readonly ok: ArrayLike<number>;
  /** The last result each row stands for. */
  readonly last: ArrayLike<number>;
}

/** Run rows (sorted by series, then time) as columns per series. */
export function runColumns(rows: readonly RunRow[]): RunColumns[] {
  const out: { service: string; vantage: string; at: number[]; ok: number[]; last: number[] }[] = [];
  for (const r of rows) {
    let c = out[out.length - 1];
    if (!c || c.service !== r.service || c.vantage !== r.vantage) {
      c = { service: r.service, vantage: r.vantage, at: [], ok: [], last: [] };
      out.push(c);
    }
    c.at.push(r.startedAt);
    c.ok.push(r.ok);
    c.last.push(r.runEnd);
  }
  return out;
}

/**
 * The raw series of a window `[.., to)` with the run rows of the same window merged in, each series
 * in time order with `last` set where run rows are (the engine's input, collector/sla/vantage-state.ts).
 * A run reaching past the window stands, in it, for its results before `to`: the last of them is
 * within the stale time of `to`, so `to - 1` stands for it, as the raw window's last result would.
 */
export function mergeRuns(
  raw: readonly ObservationSeries[],
  runs: readonly RunColumns[],
  to: number,
): ObservationSeries[] {
  if (runs.length === 0) return [...raw];
  const key = (s: string, v: string) => `${s}\u0000${v}`;
  const bySeries = new Map<string, RunColumns[]>();
  for (const r of runs) {
    const k = key(r.service, r.vantage);
    const list = bySeries.get(k);
    if (list) list.push(r);
    else bySeries.set(k, [r]);
  }
  const out: ObservationSeries[] = raw.map((s) => {
    const extra = bySeries.get(key(s.service, s.vantage));
    if (!extra) return s;
    bySeries.delete(key(s.service, s.vantage));
    return withRuns(s.service, s.vantage, s.at, s.ok, extra, to);
  });
  for (const extra of bySeries.values())
    out.push(withRuns(extra[0]!.service, extra[0]!.vantage, [], [], extra, to));
  return out.sort((a, b) =>
    a.service === b.service ? cmp(a.vantage, b.vantage) : cmp(a.service, b.service),
  );
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A series' run columns as one list in time order (parts may come apart: a reaching segment, the window). */
function joined(parts: readonly RunColumns[]): { at: Float64Array; ok: Uint8Array; last: Float64Array } {
  const n = parts.reduce((sum, p) => sum + p.at.length, 0);
  const at = new Float64Array(n);
  const ok = new Uint8Array(n);
  const last = new Float64Array(n);
  let k = 0;
  for (const p of parts) {
    for (let i = 0; i < p.at.length; i++, k++) {
      at[k] = p.at[i]!;
      ok[k] = p.ok[i]!;
      last[k] = p.last[i]!;
    }
  }
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) sorted = at[i - 1]! <= at[i]!;
  if (sorted) return { at, ok, last };
  const order = Array.from(at.keys()).sort((x, y) => at[x]! - at[y]!);
  return {
    at: Float64Array.from(order, (i) => at[i]!),
    ok: Uint8Array.from(order, (i) => ok[i]!),
    last: Float64Array.from(order, (i) => last[i]!),
  };
}

/** One series' raw columns and its run columns merged into one time order. */
function withRuns(
  service: string,
  vantage: string,
  at: ArrayLike<number>,
  ok: ArrayLike<boolean | number>,
  parts: readonly RunColumns[],
  to: number,
): ObservationSeries {
  const runs = joined(parts);
  const n = at.length + runs.at.length;
  const all = new Float64Array(n);
  const oks = new Uint8Array(n);
  const last = new Float64Array(n);
  let i = 0;
  let j = 0;
  for (let k = 0; k < n; k++) {
    if (j >= runs.at.length || (i < at.length && at[i]! <= runs.at[j]!)) {
      all[k] = at[i]!;
      oks[k] = Number(ok[i]);
      last[k] = at[i]!;
      i++;
    } else {
      all[k] = runs.at[j]!;
      oks[k] = runs.ok[j]!;
      last[k] = Math.min(runs.last[j]!, to - 1);
      j++;
    }
  }
  return { service, vantage, at: all, ok: oks, last };
}

/** What a compaction did. */
export interface CompactionOutcome {
  /** Everything before this is compacted now. */
  readonly before: number;
  readonly series: number;
  /** Raw results removed, and run rows written in their place. */
  readonly rawRemoved: number;
  readonly runsWritten: number;
}
