import type { Interval } from "../sla/intervals.js";
import { buildTimeline, lookbackMs, type EngineSetup } from "../sla/timeline.js";
import type { ResultReader } from "../store/types.js";

/**
 * Which results a period's computation reads. Loading is bounded to the period plus the engine's
 * lookback, so a month costs a month of rows, not the whole ledger. A fault that crosses the
 * period's boundary is the exception: the period needs it whole, because its incident id is
 * `segment@start` (annotations and force majeure marks name it) and its report lists its true end.
 * So loading reaches further out only while a service is still down at the edge of what was read.
 */

const DAY = 86_400_000;

/** How far beyond a period loading may reach to find the ends of a fault crossing its boundary. */
export const MAX_REACH_MS = 366 * DAY;

/** The only read this module needs; tests may pass a stub. */
export type SeriesSource = Pick<ResultReader, "observationSeries">;

/** Service down intervals computed from the results in `window` alone, with `window.end` as "now". */
async function downIn(source: SeriesSource, setup: EngineSetup, window: Interval): Promise<Interval[]> {
  const series = await source.observationSeries(window.start, window.end);
  const t = buildTimeline({ setup, now: window.end, series }, window);
  return [...t.down.values()].flat();
}

async function earliest(source: SeriesSource, window: Interval): Promise<number> {
  const series = await source.observationSeries(window.start, window.end);
  return Math.min(Infinity, ...series.map((s) => s.at[0] ?? Infinity));
}

/**
 * Where to start reading for `from` to be judged right: {@link lookbackMs} before it, and further
 * back while a service down at `from` seems to start right where reading began (it may have begun
 * earlier). Stops when reaching further finds no older result, or at {@link MAX_REACH_MS}.
 */
export async function loadStart(source: SeriesSource, setup: EngineSetup, from: number): Promise<number> {
  const lookback = lookbackMs(setup);
  let reach = lookback;
  let oldest = Infinity;
  for (;;) {
    const start = from - reach;
    const window = { start, end: from };
    const cut = (await downIn(source, setup, window)).some(
      (d) => d.end >= from && d.start < start + lookback,
    );
    if (!cut || reach >= MAX_REACH_MS) return start;
    const first = await earliest(source, window);
    if (first >= oldest) return start;
    oldest = first;
    reach = Math.min(reach * 4, MAX_REACH_MS);
  }
}

/**
 * Where to stop reading for a period ending at `to`: `now` while it runs; otherwise a lookback
 * beyond it (a run of failures straddling the end is judged with its later results, as the engine's
 * rule says) and further while a service down across `to` is still down where reading stopped.
 */
export async function loadEnd(
  source: SeriesSource,
  setup: EngineSetup,
  to: number,
  now: number,
): Promise<number> {
  if (to >= now) return now;
  const lookback = lookbackMs(setup);
  let ext = lookback;
  for (;;) {
    const end = Math.min(to + ext, now);
    const window = { start: to - lookback, end };
    const open = (await downIn(source, setup, window)).some((d) => d.start < to && d.end >= end);
    if (!open || end >= now || ext >= MAX_REACH_MS) return end;
    ext = Math.min(ext * 4, MAX_REACH_MS);
  }
}

/** The results to read for `period` at `now`: `[loadStart, loadEnd)`. */
export async function loadRange(
  source: SeriesSource,
  setup: EngineSetup,
  period: Interval,
  now: number,
): Promise<Interval> {
  const end = await loadEnd(source, setup, period.end, now);
  return { start: await loadStart(source, setup, Math.min(period.start, end)), end };
}
