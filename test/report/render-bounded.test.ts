/**
 * The scheduled report renders off the collector's event loop, bounded (issue 9): in a worker thread
 * it gives the same report as in-process; past its time bound or its heap bound it stops with an
 * error naming the bound, and the event loop stayed free meanwhile.
 */
import { describe, expect, it } from "vitest";
import { renderReportBounded } from "../../collector/report/render-bounded.js";
import { GENERATED_AT, pdfText, seededReport } from "./helpers.js";

describe("renderReportBounded", () => {
  it("renders in a worker what renderReport renders in-process", async () => {
    const { model, out } = await seededReport();
    const r = await renderReportBounded(model, new Date(GENERATED_AT));
    expect(r.json).toBe(out.json);
    expect(r.csv).toBe(out.csv);
    expect(r.html).toBe(out.html);
    expect(r.text).toBe(out.text);
    expect(Buffer.isBuffer(r.pdf)).toBe(true);
    expect(pdfText(r.pdf)).toBe(pdfText(out.pdf));
    expect(r.charts.map((c) => [c.id, c.png.equals(out.charts.find((o) => o.id === c.id)!.png)])).toEqual(
      out.charts.map((c) => [c.id, true]),
    );
  });

  it("renders from the compiled package too (dist/, built by the test run), where no tsx exists", async () => {
    const { model, out } = await seededReport();
    const built = (await import(
      new URL("../../dist/collector/report/render-bounded.js", import.meta.url).href
    )) as { renderReportBounded: typeof renderReportBounded };
    const r = await built.renderReportBounded(model, new Date(GENERATED_AT));
    expect(r.json).toBe(out.json);
  });

  it("stops at its time bound, and the event loop answers meanwhile", async () => {
    const { model } = await seededReport();
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    try {
      await expect(renderReportBounded(model, new Date(GENERATED_AT), { timeoutMs: 50 })).rejects.toThrow(
        /report 2026-11: rendering took longer than 0.05 s: stopped/,
      );
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThan(3);
  });

  it("stops at its heap bound with an error naming it", async () => {
    const { model } = await seededReport();
    const huge = {
      ...model,
      warnings: Array.from({ length: 200_000 }, (_, i) => `warning ${i} `.repeat(20)),
    };
    await expect(
      renderReportBounded(huge, new Date(GENERATED_AT), { maxHeapMb: 16, timeoutMs: 60_000 }),
    ).rejects.toThrow(
      /report 2026-11: (rendering failed .*the bound is 16 MiB of heap|the rendering worker exited)/,
    );
  });
});
