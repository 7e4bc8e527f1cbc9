import Database from "better-sqlite3";
import type { Config } from "../../config/schema.js";
import { monthRange, yearOf, yearRange } from "../sla/calendar.js";
import type { Interval } from "../sla/intervals.js";
import { engineInput, rangeInput } from "../sla-source/input.js";
import { loadRange } from "../sla-source/load-range.js";
import type { EngineInput } from "../sla/timeline.js";
import { AnnotationTable } from "../store/annotations.js";
import { databaseBytes, quickCheck } from "../store/db.js";
import { ExportQueue } from "../store/export-queue.js";
import { ForceMajeureTable } from "../store/force-majeure.js";
import type { CollectorStore } from "../store/index.js";
import { MaintenanceTable } from "../store/maintenance.js";
import { ManualTable } from "../store/manual.js";
import { ResultTables } from "../store/results.js";
import { trendMonths } from "./gather.js";
import type { ManualIndicators } from "./manual.js";
import type { LoadMonth } from "./produce.js";

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
export function manualOf(store: CollectorStore, month: string): ManualIndicators {
  const entries = store.manual.list(month).map((e) => ({
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
export function reportInput(
  store: CollectorStore,
  config: Readonly<Config>,
  month: string,
  now: number,
): EngineInput {
  const tz = config.operator.timeZone;
  const own = engineInput(store, config, now, monthRange(month, tz));
  const read = loadRange(store.results, own.setup, reportRange(month, tz), now);
  return { ...own, ...rangeInput(store, read, { setup: own.setup, now }) };
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
    if (monthRange(month, tz).start >= now) {
      throw new Error(`${month} has not begun yet in ${tz}: there is nothing to report`);
    }
    return {
      input: reportInput(store, config, month, now),
      manual: manualOf(store, month),
      operator: { name: config.operator.name },
    };
  };
}

/**
 * The ledger at `file` opened read-only, behind the store's interface. Read-only, so a report run
 * beside a running collector can neither block its writes for long nor change a byte; a ledger
 * made before the covering index is read as it is (slower), and gets the index from the collector.
 */
export function openLedgerReadOnly(file: string): CollectorStore {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  db.pragma("busy_timeout = 5000");
  return {
    results: new ResultTables(db),
    maintenance: new MaintenanceTable(db),
    annotations: new AnnotationTable(db),
    forceMajeure: new ForceMajeureTable(db),
    manual: new ManualTable(db),
    exportQueue: new ExportQueue(db),
    ingest: () => {
      throw new Error(`${file} is open read-only for a report`);
    },
    ping: () => void db.prepare("SELECT 1").get(),
    heartbeat: () => {
      throw new Error(`${file} is open read-only for a report`);
    },
    quickCheck: (max) => quickCheck(db, max),
    file,
    sizeBytes: () => databaseBytes(file),
    close: () => {
      if (db.open) db.close();
    },
  };
}
