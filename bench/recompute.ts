import { join } from "node:path";
import { monthRange } from "../collector/sla/calendar.js";
import { computeMonth, type PeriodResult } from "../collector/sla/engine.js";
import { lookbackMs, type EngineInput } from "../collector/sla/timeline.js";
import { computeYear, type YearResult } from "../collector/sla/year.js";
import { openStore } from "../collector/store/index.js";
import {
  type Bench,
  type BenchContext,
  type Figure,
  figureMaker,
  median,
  scratch,
  sig,
  timed,
  type Timing,
} from "./measure.js";
import { lowerBound, writeMonth } from "./sqlite-month.js";
import { syntheticYear, YEAR, type SyntheticYear } from "./synthetic-year.js";

/**
 * How long the pure engine takes to recompute a year and a month of one-minute checks, and how
 * long the ledger takes to hand it a month. A late result recomputes its whole period (DESIGN
 * step 8), so these are the costs a late result, a report or an SLA request pays.
 */

/** A repeated measurement: the last value, the median and best wall time, the median CPU. */
interface Repeated<T> {
  value: T;
  runs: number;
  wall: number;
  best: number;
  cpu: number;
}

/** Runs `work` `runs` times (engine runs are cheap; a month's load from disk is not). */
async function repeat<T>(work: () => T | Promise<T>, runs = 3): Promise<Repeated<T>> {
  const done: { value: T; timing: Timing }[] = [];
  for (let i = 0; i < runs; i++) done.push(await timed(work));
  const walls = done.map((r) => r.timing.wallSeconds);
  return {
    value: done.at(-1)!.value,
    runs,
    wall: median(walls),
    best: Math.min(...walls),
    cpu: median(done.map((r) => r.timing.cpuSeconds)),
  };
}

/** The input the SLA wiring would build for one month: the results from lookback to its end. */
function monthInput(input: EngineInput, month: string): EngineInput {
  const range = monthRange(month, input.setup.timeZone);
  const from = range.start - lookbackMs(input.setup);
  const series = input.series.map((s) => {
    const [i, j] = [lowerBound(s.at, from), lowerBound(s.at, range.end)];
    const at = s.at as Float64Array;
    const ok = s.ok as Uint8Array;
    return { ...s, at: at.subarray(i, j), ok: ok.subarray(i, j) };
  });
  return { ...input, series };
}

/** The monthly figures only, to compare two computations of the same month. */
const sameFigures = (a: PeriodResult, b: PeriodResult) =>
  JSON.stringify(a.figures) === JSON.stringify(b.figures);

/** Writes the month into a ledger, then times store.results.observationSeries and the month on it. */
async function sqliteMonth(ctx: BenchContext, month: EngineInput, expected: PeriodResult) {
  const tmp = scratch(ctx.baseDir, "recompute");
  try {
    const file = join(tmp.dir, "collector.sqlite");
    const range = monthRange(YEAR.month, YEAR.timeZone);
    const from = range.start - lookbackMs(month.setup);
    const write = await timed(() => writeMonth(file, month.series, from, range.end));
    ctx.log(`recompute: ${write.value} rows written in ${write.timing.wallSeconds.toFixed(1)} s; loading`);
    const store = openStore(file);
    try {
      const load = await repeat(() => store.results.observationSeries(from, range.end), 2);
      const compute = await repeat(() => computeMonth({ ...month, series: load.value }, YEAR.month));
      return {
        rows: write.value,
        write: write.timing,
        load,
        compute,
        agrees: sameFigures(compute.value, expected),
      };
    } finally {
      await store.close();
    }
  } finally {
    tmp.remove();
  }
}

const f = figureMaker("recompute");
const timeNote = (r: Repeated<unknown>) => `median of ${r.runs}; best ${sig(r.best)} s, CPU ${sig(r.cpu)} s`;

const count = (n: number) => n.toLocaleString("en-US");
const shown = (v: number | boolean | null) => (typeof v === "number" ? sig(v) : String(v));

/** Everything the bench measured, as the table's rows. */
interface Measured {
  generate: Timing;
  data: SyntheticYear;
  year: Repeated<YearResult>;
  monthOfYear: Repeated<PeriodResult>;
  month: Repeated<PeriodResult>;
  monthResults: number;
  db: Awaited<ReturnType<typeof sqliteMonth>>;
}

function figures({ generate, data, year, monthOfYear, month, monthResults, db }: Measured): Figure[] {
  const { input, results, bytes } = data;
  const m = month.value;
  return [
    f("results", results, "results", `${input.series.length} series: 5 kinds × 4 segments × 3 vantages`),
    f("generate", sig(generate.wallSeconds), "s", `typed columns, ${Math.round(bytes / 2 ** 20)} MiB`),
    f("computeYear", sig(year.wall), "s", timeNote(year)),
    f(
      "year: fault-free days",
      shown(year.value.faultFreeDays.value),
      "days",
      `budget left ${year.value.budgetRemaining}`,
    ),
    f("computeMonth, year input", sig(monthOfYear.wall), "s", `${YEAR.month}; ${timeNote(monthOfYear)}`),
    f(
      "computeMonth, month input",
      sig(month.wall),
      "s",
      `${count(monthResults)} results; ${timeNote(month)}`,
    ),
    f(
      "month: incidents",
      m.incidents.length,
      "incidents",
      `weighted fault ${shown(m.figures.faultMinutes.value)} min`,
    ),
    f("month: same from year input", sameFigures(m, monthOfYear.value) ? "yes" : "NO", "", "figures equal"),
    f(
      "SQLite: write month",
      sig(db.write.wallSeconds),
      "s",
      `${count(db.rows)} rows; setup, no journal or fsync`,
    ),
    f("SQLite: load month", sig(db.load.wall), "s", `observationSeries; ${timeNote(db.load)}`),
    f(
      "SQLite: load + computeMonth",
      sig(db.load.wall + db.compute.wall),
      "s",
      "medians summed: what a month's SLA request costs",
    ),
    f("SQLite: same figures", db.agrees ? "yes" : "NO", "", "month from the ledger vs in memory"),
    f("peak RSS", Math.round(process.resourceUsage().maxRSS / 1024), "MiB", "whole bench process so far"),
  ];
}

/** The recompute bench as bench/run.ts lists it. */
export const recomputeBench: Bench = {
  name: "recompute",
  question: "time to recompute a synthetic year of one-minute checks (~31.5 M results) and one month",
  async run(ctx: BenchContext): Promise<Figure[]> {
    ctx.log("recompute: generating the synthetic year");
    const { value: data, timing: generate } = await timed(() => syntheticYear());
    const { input } = data;
    ctx.log(`recompute: ${data.results} results; computeYear, computeMonth ${YEAR.month}`);
    const year = await repeat(() => computeYear(input, YEAR.name));
    const monthOfYear = await repeat(() => computeMonth(input, YEAR.month));
    const slice = monthInput(input, YEAR.month);
    const month = await repeat(() => computeMonth(slice, YEAR.month));
    const monthResults = slice.series.reduce((n, s) => n + s.at.length, 0);
    const db = await sqliteMonth(ctx, slice, month.value);
    return figures({ generate, data, year, monthOfYear, month, monthResults, db });
  },
};
