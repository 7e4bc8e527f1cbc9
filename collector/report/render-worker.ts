import { parentPort, workerData } from "node:worker_threads";
import type { ReportModel } from "./model.js";
import { renderReport } from "./render.js";

/**
 * The worker thread of {@link renderReportBounded} (render-bounded.ts): renders every format of one
 * report model and posts the result back. Runs apart from the collector's event loop, under the
 * heap limit the parent set, so a report that takes long or grows large cannot stall ingest, the
 * status page or /metrics.
 */
const { model, generatedAt } = workerData as { model: ReportModel; generatedAt: number };
renderReport(model, new Date(generatedAt)).then(
  (rendered) => parentPort!.postMessage({ ok: true, rendered }),
  (err: unknown) =>
    parentPort!.postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) }),
);
