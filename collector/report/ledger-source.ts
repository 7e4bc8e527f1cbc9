import type { Config } from "../../config/schema.js";
import { monthRange, yearOf, yearRange } from "../sla/calendar.js";
import type { Interval } from "../sla/intervals.js";
import { engineInput, rangeInput } from "../sla-source/input.js";
import { loadRange } from "../sla-source/load-range.js";
import type { EngineInput } from "../sla/timeline.js";
import type { CollectorStore } from "../store/index.js";
import { trendMonths } from "./gather.js";
import type { ManualIndicators } from "./manual.js";
import type { LoadMonth } from "./produce.js";
import { loadJunk } from "./junk.js";
import { loadReputation } from "./reputation-source.js";

/**
 * The report's data source in production: the collector's own ledger, read through the same
 * `engineInput` as the SLA API, so a report can never show other numbers than
 * `GET /api/v1/sla?month=`. The CLI opens the ledger file read-only (WAL lets it read while the
 * collector writes); the collector hands over its open store.
 */

/** The months a report's engine input must cover: its 12-month trend and the rest of its year. */
export function reportRange(month: string, timeZone: string): Interval {
  const first = trendMonths(month)[0]!;
  return {
    start: monthRange(first, timeZone).start,
    end: yearRange(yearOf(monthRange(month, timeZone).start, timeZone), timeZone).end,
  };
}

/**
 * The month's entered values in the report's shape. The store adds `month` and `enteredAt` to each
 * entry, keys the report's strict schema refuses; they are dropped here rather than loosening it.
 */
export async function manualOf(store: CollectorStore, month: string): Promise<ManualIndicators> {
  const entries = (await store.manual.list(month)).map((e) => ({
    clause: e.clause,
    value: e.value,
    ...(e.note === undefined ? {} : { note: e.note }),
  }));
  return { month, entries };
}

/**
 * The report's engine input at `now`. The month's own input is the API's (`engineInput` over the
 * month), so its figures are the API's by construction. The trend and the year need only time
 * figures (7.1.2-7.1.5, 7.1.10, coverage), so for the wider range only check results and
 * declarations are added; deliveries and 7.1.13/7.1.14 verdicts stay the month's. Reading a
 * year's submission results for verdicts nobody shows cost 12 s and 1.2 GB at the benchmark's
 * scale (docs/report.md, "Cost").
 */
export async function reportInput(
  store: CollectorStore,
  config: Readonly<Config>,
  month: string,
  now: number,
): Promise<EngineInput> {
  const tz = config.operator.timeZone;
  const own = await engineInput(store, config, now, monthRange(month, tz));
  const read = await loadRange(store.results, own.setup, reportRange(month, tz), now);
  return { ...own, ...(await rangeInput(store, read, { setup: own.setup, now })) };
}

/**
 * A `LoadMonth` over `store` with the configuration's setup, at the clock's `now`: results from
 * the first trend month (with the engine's lookback) to the end of the month's year or `now`.
 * Refuses a month that has not begun: it has nothing to report.
 */
export function ledgerLoadMonth(
  store: CollectorStore,
  config: Readonly<Config>,
  clock: () => number,
): LoadMonth {
  const tz = config.operator.timeZone;
  return async (month) => {
    const now = clock();
    const range = monthRange(month, tz);
    if (range.start >= now) {
      throw new Error(`${month} has not begun yet in ${tz}: there is nothing to report`);
    }
    return {
      input: await reportInput(store, config, month, now),
      manual: await manualOf(store, month),
      operator: { name: config.operator.name },
      reputation: await loadReputation(store.results, config, {
        start: range.start,
        end: Math.min(range.end, now),
      }),
      junk: await loadJunk(store.results, range),
    };
  };
}
