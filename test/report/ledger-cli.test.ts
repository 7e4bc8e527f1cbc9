/**
 * `mailsla report --config FILE --month 2025-03` as an operator runs it: `tsx cli/main.ts` in a child
 * process, reading the ledger a collector wrote (seeded through the ingest and admin APIs) while a
 * collector app holds that ledger open. Every format carries the numbers the collector's own
 * `GET /api/v1/sla?month=2025-03` (and `?year=2025`, and each trend month) answers: JSON value by
 * value, CSV, HTML and PDF as displayed. The failures an operator can make end with exit code 2
 * and a message that names them.
 */
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CSV_COLUMNS } from "../../collector/report/csv.js";
import { formatValue, showValue } from "../../collector/report/format.js";
import type { IndicatorRow, ReportModel } from "../../collector/report/model.js";
import type { Figure } from "../../collector/sla/figures.js";
import { CONFIG_YAML, type Json, type SlaCollector } from "../collector/sla-scenario.js";
import { htmlText, parseCsv, pdfText } from "./helpers.js";
import {
  apiGet,
  apiOn,
  SEED,
  SEED_ENV,
  seedConfigYaml,
  seedLedger,
  type SeededLedger,
} from "./ledger-seed.js";

const ROOT = join(import.meta.dirname, "../..");

/** Runs `tsx cli/main.ts ARGS`; its exit code and output. */
function mailsla(...args: string[]): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ["--import", "tsx", "cli/main.ts", ...args],
      { cwd: ROOT, env: { ...process.env, ...SEED_ENV }, encoding: "buffer", maxBuffer: 64 << 20 },
      (err, stdout, stderr) =>
        resolve({ code: err ? (child.exitCode ?? 1) : 0, stdout, stderr: stderr.toString() }),
    );
  });
}

let ledger: SeededLedger;
let api: SlaCollector;
let month: Json;
let year: Json;
const out: Record<"json" | "csv" | "html" | "pdf", string> = { json: "", csv: "", html: "", pdf: "" };
let model: ReportModel;

beforeAll(async () => {
  ledger = await seedLedger();
  api = await apiOn(ledger); // a collector holds the ledger open (WAL) while the CLI reads it
  month = await apiGet(api, `/api/v1/sla?month=${SEED.month}`);
  year = await apiGet(api, "/api/v1/sla?year=2025");
  const runs = (["json", "csv", "html", "pdf"] as const).map(async (format) => {
    const file = join(ledger.dir, `report.${format}`);
    const r = await mailsla(
      "report",
      "--config",
      ledger.configFile,
      "--month",
      SEED.month,
      "--format",
      format,
      "--out",
      file,
    );
    expect(r, r.stderr).toMatchObject({ code: 0 });
    out[format] = format === "pdf" ? pdfText(readFileSync(file)) : readFileSync(file, "utf8");
  });
  await Promise.all(runs);
  model = JSON.parse(out.json) as ReportModel;
}, 180_000);

afterAll(async () => {
  await api?.close();
});

/** The verdict the report gives a figure (docs/report.md, "What it shows"). */
function verdictOf(f: Figure): string {
  return f.verdict;
}

/** The API's figure behind a report row: the month's, or 7.1.5 from the year. */
function apiFigure(r: IndicatorRow): Figure | undefined {
  return r.key === "faultFreeDays"
    ? (year.faultFreeDays as Figure)
    : (month.figures[r.key] as Figure | undefined);
}

const measured = () => model.indicators.filter((r) => r.source === "measured");

describe("mailsla report --config (the ledger) equals GET /api/v1/sla", () => {
  it("JSON: every measured figure's value, target, pass and bound, and the hand-computed 7.1.2", () => {
    expect(model.month).toBe(SEED.month);
    expect(measured()).toHaveLength(Object.keys(month.figures).length + 1);
    for (const r of measured()) {
      const f = apiFigure(r)!;
      expect({ key: r.key, value: r.value, target: r.target, pass: r.pass, bound: r.errorBound }).toEqual({
        key: r.key,
        value: f.value,
        target: f.target,
        pass: f.pass,
        bound: f.errorBound,
      });
    }
    expect(month.figures.faultMinutes.value).toBeCloseTo(SEED.faultMinutes, 9);
    expect(model.indicators.find((r) => r.key === "sendDelayMaximum")).toMatchObject({
      value: 11_100,
      verdict: "fail",
    });
    expect(model.indicators.find((r) => r.key === "smtpAuthRequired")?.verdict).toBe("fail");
  });

  it("JSON: the month's entered values, incidents, force majeure and coverage", () => {
    for (const e of month.manual as { clause: string; value: number | boolean; note?: string }[]) {
      const r = model.indicators.find((x) => x.clause === e.clause && x.source === "entered");
      expect({ clause: r?.clause, value: r?.value, note: r?.note ?? undefined }).toEqual({
        clause: e.clause,
        value: e.value,
        note: e.note,
      });
    }
    expect(month.manual).toHaveLength(3);
    const incidents = (month.incidents as Json[]).map((i) => [i.id, i.weightedMinutes]);
    expect(model.incidents.map((i) => [i.id, i.weightedMinutes])).toEqual(incidents);
    expect(model.forceMajeure.marks.map((f) => [f.incidentId, f.reason])).toEqual([
      [SEED.forceMajeure, "earthquake cut both fibre routes"],
    ]);
    expect(model.coverage.ratio).toBe(month.coverage.ratio);
  });

  it("JSON: the year's 7.1.5 and each trend month as the API computes them", async () => {
    expect(model.year).toMatchObject({
      faultFreeDays: year.faultFreeDays.value,
      faultDays: year.faultDays.length,
      budgetRemaining: year.budgetRemaining,
    });
    expect(year.faultDays).toEqual(["2025-03-05", "2025-03-16", "2025-03-20", "2025-07-09", "2025-07-10"]);
    for (const t of model.trend) {
      const m = (await apiGet(api, `/api/v1/sla?month=${t.month}`)) as Json;
      expect([t.month, t.faultMinutes, t.availability, t.coverage]).toEqual([
        t.month,
        m.figures.faultMinutes.value,
        m.figures.availability.value,
        m.coverage.ratio,
      ]);
    }
    expect(model.trend.find((t) => t.month === "2024-12")!.faultMinutes).toBeCloseTo(18, 9); // imap: north, 30 min x 0.6
  });

  it("CSV: one row per indicator with the API's value as the report formats it, and its verdict", () => {
    const [header, ...all] = parseCsv(out.csv);
    expect(header).toEqual([...CSV_COLUMNS]);
    // The indicators first; after them the sender reputation and probe-message rows (formats.test.ts).
    const rows = all.slice(0, model.indicators.length);
    expect(rows.map((c) => c[1])).toEqual(model.indicators.map((r) => r.clause));
    expect(all.slice(model.indicators.length).map((c) => c[8])).not.toContain("measured");
    rows.forEach((cells, i) => {
      const f = model.indicators[i]!.source === "measured" ? apiFigure(model.indicators[i]!) : undefined;
      if (!f) return;
      const shown = f.value === null ? { text: "", unit: "" } : formatValue(f.value, f.unit);
      expect(cells.slice(0, 7), cells[2]).toEqual([
        SEED.month,
        f.clause,
        cells[2],
        cells[3],
        shown.text,
        shown.unit,
        verdictOf(f),
      ]);
    });
    // Under 400 min, but the seeded ledger saw March around its incidents only: UNPROVEN.
    expect(rows.find((c) => c[1] === "7.1.2")!.slice(4, 7)).toEqual(["74.00", "min", "unproven"]);
    expect(rows.find((c) => c[1] === "7.1.6")!.slice(4, 10)).toEqual([
      "0.002000",
      "%",
      "pass",
      "",
      "entered",
      "billing audit, March",
    ]);
  });

  it("HTML and PDF: each measured indicator's line shows the API's value and verdict", () => {
    const html = htmlText(out.html).split("\n");
    const pdf = out.pdf.split("\n").map((l) => l.trim());
    for (const r of measured()) {
      const f = apiFigure(r)!;
      const value = f.value === null ? "no data" : showValue(f.value, f.unit);
      const inHtml = html.find((l) => l.startsWith(`${r.clause}\t${r.title}`) && l.includes(`\t${value}`));
      expect(inHtml, `html ${r.key} ${value}`).toContain(`\t${verdictOf(f)}\t`);
      const inPdf = pdf.find((l) => l.startsWith(`${r.clause} `) && l.includes(` ${value}`));
      expect(inPdf?.endsWith(verdictOf(f)), `pdf ${r.key} ${value}`).toBe(true);
    }
    expect(out.pdf).toMatch(
      /7\.1\.2\s+Monthly user-weighted fault duration\s+<= 400 min\s+74\.00 min\s+unproven/,
    );
  });
});

describe("mailsla report refuses", () => {
  it("a configuration without a collector section, a missing ledger, a bad or future month", async () => {
    const dir = join(ledger.dir, "errors");
    mkdirSync(dir);
    const noCollector = join(dir, "no-collector.yaml");
    writeFileSync(noCollector, CONFIG_YAML);
    const noLedger = join(dir, "no-ledger.yaml");
    writeFileSync(noLedger, seedConfigYaml(join(dir, "empty")));
    const cases: [string[], RegExp][] = [
      [
        ["--config", noCollector],
        /mailsla: the configuration has no collector section, so there is no ledger to read/,
      ],
      [["--config", noLedger], /mailsla: no ledger at .*empty\/collector\.sqlite .*has the collector run/],
      [
        ["--config", ledger.configFile, "--month", "2025-13"],
        /mailsla: --month: expected a month like 2026-11, got "2025-13"/,
      ],
      [
        ["--config", ledger.configFile, "--month", "2099-01"],
        /mailsla: 2099-01 has not begun yet in Asia\/Shanghai/,
      ],
    ];
    const results = await Promise.all(
      cases.map(([args]) => mailsla("report", "--month", SEED.month, "--format", "json", ...args)),
    );
    results.forEach((r, i) => {
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(cases[i]![1]);
      expect(r.stdout.length).toBe(0);
    });
  });
});
