/**
 * The PDF as a reader sees it: pdftoppm renders each page, and the pixels must show a page that
 * is not blank, the banner, and the charts' colours (the PNG charts really drawn into the PDF).
 * pdftotext checks the page count and the page numbers in the footers.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { ReportModel } from "../../collector/report/model.js";
import { buildReport } from "../../collector/report/model.js";
import { gatherReport } from "../../collector/report/gather.js";
import { renderPdf } from "../../collector/report/pdf.js";
import { renderCharts } from "../../collector/report/charts.js";
import {
  countColor,
  GENERATED_AT,
  inkShare,
  pdfPages,
  pdfText,
  seededReport,
  type PageImage,
} from "./helpers.js";
import { seedSource } from "./seed.js";

let model: ReportModel;
let pdf: Buffer;
let pages: PageImage[];

beforeAll(async () => {
  ({ model } = await seededReport());
  pdf = await renderPdf(model, renderCharts(model), new Date(GENERATED_AT));
  pages = pdfPages(pdf);
});

describe("PDF pages", () => {
  it("is an A4 PDF of five pages, each numbered in its footer", () => {
    expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
    expect(pages).toHaveLength(5);
    for (const p of pages) expect(p.height / p.width).toBeCloseTo(841.89 / 595.28, 2);
    const texts = pdfText(pdf)
      .split("\f")
      .filter((t) => t.trim() !== "");
    expect(texts).toHaveLength(5);
    texts.forEach((t, i) => expect(t).toContain(`page ${i + 1} of 5`));
    expect(texts[0]).toContain(model.title.slice(0, 40));
  });

  it("has no blank page: every page's body carries ink", () => {
    for (const [i, p] of pages.entries()) {
      const body = inkShare(p, 0, Math.floor(p.height * 0.92));
      // the last page may hold only the tail of a table (the trend's last months)
      expect(body, `page ${i + 1}`).toBeGreaterThan(i === pages.length - 1 ? 0.005 : 0.02);
    }
    expect(inkShare(pages[0]!)).toBeGreaterThan(0.1); // the first page: banner and the indicator table
  });

  it("shows the banner and the charts' colours where the charts are drawn", () => {
    expect(countColor(pages[0]!, "#0b3d91")).toBeGreaterThan(5000);
    const all = (hex: string) => pages.reduce((n, p) => n + countColor(p, hex), 0);
    expect(all("#c0392b")).toBeGreaterThan(300); // fault bars (daily, trend)
    expect(all("#e0a030")).toBeGreaterThan(30); // the maintenance bar of 15 November
    expect(all("#2f6fb0")).toBeGreaterThan(300); // sending delays
    expect(all("#55a868")).toBeGreaterThan(300); // receiving delays
  });

  it("grows with the content: a month with 80 incidents breaks its table across pages, header repeated", async () => {
    const source = seedSource();
    const fails = Array.from({ length: 80 }, (_, i): [number, number] => {
      const start = Date.UTC(2026, 10, 1, 0) + i * 8 * 3_600_000;
      return [start, start + 15 * 60_000];
    });
    const series = source.input.series.map((s) =>
      s.vantage === "c" || s.service !== "mx"
        ? s
        : {
            ...s,
            ok: Array.from(
              s.ok,
              (ok, k) => Boolean(ok) && !fails.some(([a, b]) => s.at[k]! >= a && s.at[k]! < b),
            ),
          },
    );
    const big = buildReport(
      gatherReport({ ...source, input: { ...source.input, series } }, "2026-11", GENERATED_AT),
    );
    expect(big.incidents.length).toBeGreaterThan(150);
    const text = pdfText(await renderPdf(big, renderCharts(big), new Date(GENERATED_AT)));
    const pageTexts = text.split("\f").filter((t) => t.trim() !== "");
    expect(pageTexts.length).toBeGreaterThan(6);
    const withIncidentHeader = pageTexts.filter((t) => /Incident\s+Segment\s+Fault\s+Affected users/.test(t));
    expect(withIncidentHeader.length).toBeGreaterThan(1);
    for (const i of big.incidents) expect(text).toContain(i.show.span);
  });
});
