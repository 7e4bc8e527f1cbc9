import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { computeMonth } from "../../collector/sla/engine.js";
import type { PeriodResult } from "../../collector/sla/engine.js";
import { gatherReport } from "../../collector/report/gather.js";
import { buildReport, type ReportModel } from "../../collector/report/model.js";
import { renderReport, type RenderedReport } from "../../collector/report/render.js";
import { requireTool } from "../helpers/tools.js";
import { seedSource } from "./seed.js";

/** Shared by the report tests: the seeded November rendered once, and the poppler tools. */

/** When the seeded report is made: 2026-12-01 09:00 Shanghai. */
export const GENERATED_AT = Date.UTC(2026, 11, 1, 1);

/** The engine's own result for the seeded November, and the report of it in every format. */
export async function seededReport(): Promise<{
  engine: PeriodResult;
  model: ReportModel;
  out: RenderedReport;
}> {
  const source = seedSource();
  const engine = computeMonth(source.input, "2026-11");
  const model = buildReport(gatherReport(source, "2026-11", GENERATED_AT));
  return { engine, model, out: await renderReport(model, new Date(GENERATED_AT)) };
}

/** The PDF's text, laid out as on the page (pdftotext -layout). */
export function pdfText(pdf: Buffer): string {
  const bin = requireTool("pdftotext", "poppler-utils");
  const r = spawnSync(bin, ["-layout", "-enc", "UTF-8", "-", "-"], { input: pdf, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`pdftotext failed: ${r.stderr.toString()}`);
  return r.stdout.toString("utf8");
}

/** A page rendered by pdftoppm: its PNG file (to look at) and its RGB pixels (to count). */
export interface PageImage {
  readonly png: string;
  readonly width: number;
  readonly height: number;
  readonly rgb: Buffer;
}

/** Parses a binary PPM (P6, maxval 255) as pdftoppm writes it. */
function parsePpm(data: Buffer): { width: number; height: number; rgb: Buffer } {
  const header = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(data.subarray(0, 64).toString("latin1"));
  if (!header) throw new Error("not a P6 PPM with maxval 255");
  const [width, height] = [Number(header[1]), Number(header[2])];
  return { width, height, rgb: data.subarray(header[0].length, header[0].length + width * height * 3) };
}

/** Renders every page with pdftoppm, as PNG (kept in `dir`) and as PPM (read back for pixels). */
export function pdfPages(
  pdf: Buffer,
  dir = mkdtempSync(path.join(tmpdir(), "report-pages-")),
  dpi = 60,
): PageImage[] {
  const bin = requireTool("pdftoppm", "poppler-utils");
  const file = path.join(dir, "report.pdf");
  writeFileSync(file, pdf);
  for (const args of [["-png"], []]) {
    const r = spawnSync(bin, ["-r", String(dpi), ...args, file, path.join(dir, "page")]);
    if (r.status !== 0) throw new Error(`pdftoppm failed: ${r.stderr.toString()}`);
  }
  const ppm = readdirSync(dir)
    .filter((f) => f.endsWith(".ppm"))
    .sort();
  return ppm.map((f) => ({
    png: path.join(dir, f.replace(/\.ppm$/, ".png")),
    ...parsePpm(readFileSync(path.join(dir, f))),
  }));
}

/** Share of pixels in rows [fromRow, toRow) that are not near-white. */
export function inkShare(page: PageImage, fromRow = 0, toRow = page.height): number {
  let ink = 0;
  for (let i = fromRow * page.width * 3; i < toRow * page.width * 3; i += 3) {
    if (page.rgb[i]! < 200 || page.rgb[i + 1]! < 200 || page.rgb[i + 2]! < 200) ink++;
  }
  return ink / ((toRow - fromRow) * page.width);
}

/** Pixels within `tolerance` of an RGB colour "#rrggbb". */
export function countColor(page: PageImage, hex: string, tolerance = 24): number {
  const want = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  let n = 0;
  for (let i = 0; i < page.rgb.length; i += 3) {
    if (want.every((w, k) => Math.abs(page.rgb[i + k]! - w) <= tolerance)) n++;
  }
  return n;
}

/** The visible text of an HTML document, one table row per line, cells tab-separated. */
export function htmlText(html: string): string {
  return html
    .replace(/<\/t[dh]>/g, "\t")
    .replace(/<br>/g, " ")
    .replace(/<\/(tr|p|h1|h2)>/g, "\n")
    .replace(/<[^>]+>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");
}

/** RFC 4180 CSV to rows (quoted cells, doubled quotes, CRLF), the BOM removed. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  const cell = /("(?:[^"]|"")*"|[^",\r\n]*)(,|\r\n|$)/y;
  const s = text.replace(/^\uFEFF/, "");
  let row: string[] = [];
  while (cell.lastIndex < s.length) {
    const m = cell.exec(s);
    if (!m) throw new Error(`bad CSV at ${cell.lastIndex}`);
    const raw = m[1]!;
    row.push(raw.startsWith('"') ? raw.slice(1, -1).replace(/""/g, '"') : raw);
    if (m[2] !== ",") {
      rows.push(row);
      row = [];
    }
  }
  return rows;
}
