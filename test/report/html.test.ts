/**
 * The HTML e-mail keeps to what common mail clients render (tables, inline styles, no script, no
 * style sheet, no external resource, images by Content-ID), operator-entered text is escaped in
 * every format, and a month still running or without data says so instead of passing silently.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { renderCsv } from "../../collector/report/csv.js";
import { csvCell } from "../../collector/escape.js";
import { gatherReport } from "../../collector/report/gather.js";
import { chartCid, renderHtml } from "../../collector/report/html.js";
import { buildReport, type ReportModel } from "../../collector/report/model.js";
import { renderReport, type RenderedReport } from "../../collector/report/render.js";
import { renderText } from "../../collector/report/text.js";
import { DAY, DEC } from "../sla/fixtures.js";
import { GENERATED_AT, htmlText, parseCsv, pdfText, seededReport } from "./helpers.js";
import { seedSource } from "./seed.js";

let out: RenderedReport;

beforeAll(async () => {
  ({ out } = await seededReport());
});

describe("HTML for mail clients", () => {
  it("uses tables and inline styles only: no script, style sheet, class, form or external resource", () => {
    const html = out.html;
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(html).not.toMatch(/<script|<style|<link|<iframe|<form|<svg|\bclass=|\bon[a-z]+=/i);
    expect(html).not.toMatch(/(src|href)="(?!cid:)/i);
    expect(html).not.toMatch(/url\(/i);
    expect(html).toMatch(/<table role="presentation" width="720"/);
  });

  it("refers to each chart once by Content-ID, with its size and a text alternative", () => {
    const imgs = [...out.html.matchAll(/<img [^>]*>/g)].map((m) => m[0]);
    expect(imgs).toHaveLength(out.charts.length);
    for (const c of out.charts) {
      const img = imgs.find((i) => i.includes(`src="cid:${chartCid(c.id)}"`));
      expect(img, c.id).toBeDefined();
      expect(img).toContain(`width="${c.width}" height="${c.height}"`);
      expect(img).toMatch(/alt="[^"]{20,}"/);
    }
  });

  it("writes a stand-alone file with the same images inline", () => {
    const file = renderHtml(out.model, out.charts, "data");
    expect(file.match(/src="data:image\/png;base64,/g)).toHaveLength(3);
    expect(htmlText(file)).toBe(htmlText(out.html));
  });
});

describe("text entered by the operator", () => {
  it("is escaped in HTML, plain in text and PDF, and defused in CSV", async () => {
    const source = seedSource();
    const hostile = `<script>alert("x")</script> & storm`;
    const input = {
      ...source.input,
      forceMajeure: source.input.forceMajeure!.map((m) => ({ ...m, reason: hostile })),
    };
    const manual = {
      ...source.manual,
      entries: [...source.manual.entries, { clause: "7.1.15", value: true, note: "=HYPERLINK(1)" }],
    };
    const model = buildReport(gatherReport({ ...source, input, manual }, "2026-11", GENERATED_AT));
    const r = await renderReport(model, new Date(GENERATED_AT));
    expect(r.html).not.toContain("<script>");
    expect(r.html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; storm");
    expect(htmlText(r.html)).toContain(hostile);
    expect(r.text).toContain(hostile);
    expect(pdfText(r.pdf)).toContain(hostile);
    const row = parseCsv(r.csv).find((c) => c[1] === "7.1.15")!;
    expect(row[9]).toBe("'=HYPERLINK(1)");
    expect(csvCell('a "b", c')).toBe('"a ""b"", c"');
  });
});

describe("months that are not complete", () => {
  let december: ReportModel;
  let empty: ReportModel;

  beforeAll(() => {
    const source = seedSource();
    december = buildReport(gatherReport(source, "2026-12", DEC + DAY));
    empty = buildReport(gatherReport(source, "2025-06", DEC + DAY));
  });

  it("marks a running month as partial and says so in every format", () => {
    expect(december.period).toMatchObject({ partial: true, end: "2026-12-02 00:00" });
    expect(december.indicators.filter((r) => r.source === "measured").every((r) => r.partial)).toBe(true);
    expect(december.warnings).toContain("entered values are for 2026-11, not 2026-12");
    expect(renderText(december)).toContain("the month is still running: every value is so far");
    expect(renderCsv(december)).toContain("2026-12,7.1.1,");
  });

  it("reports a month without results as no data and UNPROVEN, never as a pass it did not earn", () => {
    const verdict = (key: string) => empty.indicators.find((r) => r.key === key)!.verdict;
    for (const key of [
      "sendDelayAverage",
      "receiveDelayMaximum",
      "smtpAuthRequired",
      "faultMinutes",
      "availability",
    ])
      expect(verdict(key), key).toBe("unproven");
    expect(verdict("lossRate")).toBe("reported");
    for (const key of ["faultMinutes", "availability", "faultFreeRate"])
      expect(empty.indicators.find((r) => r.key === key)!.show.value, key).toBe("no data");
    expect(empty.coverage.show).toBe("0.000 %");
    for (const key of ["faultMinutes", "availability", "availabilityUserWeighted", "faultFreeRate"])
      expect(empty.indicators.find((r) => r.key === key)!.note, key).toMatch(/^monitoring saw only 0.000 %/);
    expect(empty.incidents).toEqual([]);
    expect(renderText(empty)).toContain("No incident in the month.");
  });
});
