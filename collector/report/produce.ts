import { gatherReport, type MonthSource } from "./gather.js";
import { buildReport, type ReportModel } from "./model.js";
import { renderReport, type RenderedReport } from "./render.js";

/**
 * From a month's data to the finished report in every format: the one pipeline the CLI and the
 * schedule share, so a report on demand and a scheduled one are made the same way.
 */

/** Where a month's data comes from: the collector's store, or a JSON file as a stand-in (CLI `--input`). */
export type LoadMonth = (month: string) => Promise<MonthSource>;

/** Loads, computes, builds and renders the report of `month`, stamped with `now`. */
export async function produceReport(
  loadMonth: LoadMonth,
  month: string,
  now: number,
  render: (model: ReportModel, generatedAt: Date) => Promise<RenderedReport> = renderReport,
): Promise<RenderedReport> {
  const source = await loadMonth(month);
  const model = buildReport(gatherReport(source, month, now));
  return render(model, new Date(now));
}
