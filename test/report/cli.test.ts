/**
 * `mailsla report`: the subcommand parses its options with commander, reads the stand-in JSON input
 * and writes each format to a file or standard output, the same bytes the renderers make; bad
 * months, missing data sources and invalid files fail with a message naming the problem.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { reportCommand } from "../../cli/report-command.js";
import { renderCharts } from "../../collector/report/charts.js";
import { renderCsv } from "../../collector/report/csv.js";
import { renderHtml } from "../../collector/report/html.js";
import { loadMonthFromFile } from "../../collector/report/input-file.js";
import { produceReport } from "../../collector/report/produce.js";
import type { RenderedReport } from "../../collector/report/render.js";
import { GENERATED_AT, pdfText } from "./helpers.js";
import { seedSource } from "./seed.js";

const dir = mkdtempSync(path.join(tmpdir(), "report-cli-"));
const inputFile = path.join(dir, "november.json");
let expected: RenderedReport;

/** Runs `mailsla report ARGS` in process; returns what it wrote to standard output. */
async function report(...args: string[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const cmd = reportCommand({ clock: () => GENERATED_AT, write: async (d) => void chunks.push(d) });
  cmd.exitOverride().configureOutput({ writeErr: () => undefined });
  await cmd.parseAsync(args, { from: "user" });
  return Buffer.concat(chunks);
}

beforeAll(async () => {
  const s = seedSource();
  writeFileSync(inputFile, JSON.stringify({ operator: s.operator, input: s.input, manual: s.manual }));
  expected = await produceReport(loadMonthFromFile(inputFile), "2026-11", GENERATED_AT);
});

describe("mailsla report", () => {
  it("writes JSON and CSV identical to the renderers' output", async () => {
    const json = path.join(dir, "r.json");
    await report("--month", "2026-11", "--format", "json", "--input", inputFile, "--out", json);
    expect(readFileSync(json, "utf8")).toBe(expected.json);
    expect(JSON.parse(expected.json).indicators[1]).toMatchObject({
      clause: "7.1.2",
      show: { value: "43.50 min" },
    });
    const csv = await report("--month", "2026-11", "--format", "csv", "--input", inputFile);
    expect(csv.toString("utf8")).toBe(renderCsv(expected.model));
  });

  it("writes a stand-alone HTML file with its charts inline, and a PDF", async () => {
    const html = await report("--month", "2026-11", "--format", "html", "--input", inputFile);
    expect(html.toString("utf8")).toBe(renderHtml(expected.model, renderCharts(expected.model), "data"));
    const pdfFile = path.join(dir, "r.pdf");
    await report("--month=2026-11", "--input", inputFile, "--out", pdfFile); // PDF is the default format
    const text = pdfText(readFileSync(pdfFile));
    expect(text).toMatch(/7\.1\.2\s+Monthly user-weighted fault duration\s+<= 400 min\s+43\.50 min\s+pass/);
    expect(text.split("\f").filter((p) => p.trim() !== "")).toHaveLength(5);
  });

  it("uses the entered values of the requested month only", async () => {
    const december = JSON.parse(
      (await report("--month", "2026-12", "--format", "json", "--input", inputFile)).toString(),
    );
    const billing = december.indicators.find((r: { clause: string }) => r.clause === "7.1.6");
    expect(billing.verdict).toBe("not entered");
    expect(december.period.partial).toBe(true);
  });

  it("fails with a message naming the problem", async () => {
    await expect(report("--month", "2026-13", "--input", inputFile)).rejects.toThrow(
      /--month: expected a month/,
    );
    await expect(report("--month", "2026-11")).rejects.toThrow(
      /no data source: pass --config FILE \(reads the collector's ledger\) or --input FILE/,
    );
    await expect(report("--month", "2026-11", "--format", "docx", "--input", inputFile)).rejects.toThrow(
      /Allowed choices are json, csv, html, pdf/,
    );
    const bad = path.join(dir, "bad.json");
    const s = seedSource();
    writeFileSync(
      bad,
      JSON.stringify({
        operator: s.operator,
        input: { ...s.input, setup: { ...s.input.setup, totalUsers: -1 } },
      }),
    );
    await expect(report("--month", "2026-11", "--input", bad)).rejects.toThrow(/input\.setup\.totalUsers/);
  });
});
