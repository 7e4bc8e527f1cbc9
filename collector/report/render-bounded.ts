import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { ReportModel } from "./model.js";
import type { RenderedReport } from "./render.js";

/**
 * The report rendered off the collector's event loop, with a time and a memory bound (issue 9): the
 * scheduled report runs inside the collector, and charts and the PDF are the costly part. The
 * render runs in a worker thread (render-worker.ts) with `maxHeapMb` of heap; past `timeoutMs` the
 * worker is terminated and the promise rejects with a message naming the bound, so the schedule logs
 * it and retries on its next tick instead of the collector freezing or running out of memory.
 */

/** The bounds of one render. */
export interface RenderBounds {
  /** Default 120 s. */
  readonly timeoutMs?: number;
  /** Old-generation heap of the worker, MiB (default 512). */
  readonly maxHeapMb?: number;
}

/**
 * The worker's code: the compiled .js beside this file, or, when running from the TypeScript sources
 * (tests, `tsx`), a small bootstrap that registers tsx's loader in the worker and imports the .ts.
 */
function workerEntry(): { code: string | URL; eval: boolean } {
  const js = new URL("./render-worker.js", import.meta.url);
  if (existsSync(fileURLToPath(js))) return { code: js, eval: false };
  const ts = new URL("./render-worker.ts", import.meta.url).href;
  const boot = `import("tsx/esm/api").then((t) => { t.register(); return import(${JSON.stringify(ts)}); })`;
  return { code: boot, eval: true };
}

/** Renders every format of `model` in a worker thread within `bounds`. */
export function renderReportBounded(
  model: ReportModel,
  generatedAt: Date,
  bounds: RenderBounds = {},
): Promise<RenderedReport> {
  const timeoutMs = bounds.timeoutMs ?? 120_000;
  const maxHeapMb = bounds.maxHeapMb ?? 512;
  const entry = workerEntry();
  return new Promise((resolve, reject) => {
    const worker = new Worker(entry.code, {
      eval: entry.eval,
      workerData: { model, generatedAt: generatedAt.getTime() },
      resourceLimits: { maxOldGenerationSizeMb: maxHeapMb },
    });
    let settled = false;
    const finish = (f: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      f();
    };
    const timer = setTimeout(
      () =>
        finish(() =>
          reject(
            new Error(`report ${model.month}: rendering took longer than ${timeoutMs / 1000} s: stopped`),
          ),
        ),
      timeoutMs,
    );
    worker.once("message", (m: { ok: boolean; rendered?: RenderedReport; error?: string }) =>
      finish(() =>
        m.ok ? resolve(revive(m.rendered!)) : reject(new Error(`report ${model.month}: ${m.error}`)),
      ),
    );
    worker.once("error", (err) =>
      finish(() =>
        reject(
          new Error(
            `report ${model.month}: rendering failed (${err.message}); the bound is ${maxHeapMb} MiB of heap`,
          ),
        ),
      ),
    );
    worker.once("exit", (code) =>
      finish(() => reject(new Error(`report ${model.month}: the rendering worker exited with ${code}`))),
    );
  });
}

/** Buffers come back from a worker as Uint8Arrays: make them Buffers again. */
function revive(r: RenderedReport): RenderedReport {
  return {
    ...r,
    pdf: Buffer.from(r.pdf),
    charts: r.charts.map((c) => ({ ...c, png: Buffer.from(c.png) })),
  };
}
