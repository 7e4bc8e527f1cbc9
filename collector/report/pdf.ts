import PDFDocument from "pdfkit";
import type { ChartImage } from "./charts.js";
import { reportFonts } from "./fonts.js";
import type { ReportModel } from "./model.js";
import { ACCENT_COLOR, reportSections, TONE_COLOR, type Block, type Cell, type Table } from "./sections.js";

/**
 * The report as a PDF attachment: the document a manager files or forwards to a regulator. Drawn
 * with pdfkit (pure JavaScript, no browser), A4, DejaVu Sans embedded so every reader shows the same
 * glyphs, tables that break across pages with their header repeated, page numbers.
 */

type Doc = PDFKit.PDFDocument;

const MARGIN = 42;
const PAD = 3;

function contentWidth(doc: Doc): number {
  return doc.page.width - 2 * MARGIN;
}

function bottom(doc: Doc): number {
  return doc.page.height - MARGIN - 14;
}

/** Starts a new page if `height` does not fit below the cursor. */
function ensureSpace(doc: Doc, height: number): void {
  if (doc.y + height > bottom(doc)) doc.addPage();
}

function cellHeight(doc: Doc, c: Cell, width: number): number {
  doc.font(c.bold ? "bold" : "regular").fontSize(8.5);
  let h = doc.heightOfString(c.text, { width });
  if (c.sub) h += doc.font("regular").fontSize(7).heightOfString(c.sub, { width });
  return h + 2 * PAD;
}

function drawCell(doc: Doc, c: Cell, x: number, y: number, width: number, align: "left" | "right"): void {
  doc
    .font(c.bold ? "bold" : "regular")
    .fontSize(8.5)
    .fillColor(TONE_COLOR[c.tone ?? "plain"]);
  doc.text(c.text, x, y + PAD, { width, align });
  if (c.sub)
    doc.font("regular").fontSize(7).fillColor(TONE_COLOR.muted).text(c.sub, x, doc.y, { width, align });
}

function drawRow(doc: Doc, t: Table, cells: Cell[], widths: number[], header: boolean): void {
  const heights = cells.map((c, i) => cellHeight(doc, c, widths[i]! - 2 * PAD));
  const h = Math.max(...heights);
  const y = doc.y;
  if (header) doc.rect(MARGIN, y, contentWidth(doc), h).fill("#eef1f5");
  let x = MARGIN;
  cells.forEach((c, i) => {
    drawCell(doc, c, x + PAD, y, widths[i]! - 2 * PAD, t.columns[i]?.align ?? "left");
    x += widths[i]!;
  });
  doc
    .moveTo(MARGIN, y + h)
    .lineTo(MARGIN + contentWidth(doc), y + h)
    .lineWidth(0.5)
    .strokeColor("#d8dde3")
    .stroke();
  doc.x = MARGIN;
  doc.y = y + h;
}

function drawTable(doc: Doc, t: Table): void {
  const total = t.columns.reduce((n, c) => n + c.width, 0);
  const widths = t.columns.map((c) => (c.width / total) * contentWidth(doc));
  const header = t.columns.map((c): Cell => ({ text: c.title, bold: true, tone: "muted" }));
  ensureSpace(doc, 40);
  drawRow(doc, t, header, widths, true);
  for (const row of t.rows) {
    const h = Math.max(...row.map((c, i) => cellHeight(doc, c, widths[i]! - 2 * PAD)));
    if (doc.y + h > bottom(doc)) {
      doc.addPage();
      drawRow(doc, t, header, widths, true);
    }
    drawRow(doc, t, row, widths, false);
  }
  doc.moveDown(0.8);
}

function drawFacts(doc: Doc, pairs: [string, string][]): void {
  const keyWidth = 130;
  for (const [k, v] of pairs) {
    doc.font("regular").fontSize(9);
    const h = Math.max(doc.heightOfString(v, { width: contentWidth(doc) - keyWidth }), 11);
    ensureSpace(doc, h + 2);
    const y = doc.y;
    doc.fillColor(TONE_COLOR.muted).text(k, MARGIN, y, { width: keyWidth - 8 });
    doc.fillColor(TONE_COLOR.plain).text(v, MARGIN + keyWidth, y, { width: contentWidth(doc) - keyWidth });
    doc.x = MARGIN;
    doc.y = y + h + 2;
  }
  doc.moveDown(0.6);
}

function drawBlock(doc: Doc, b: Block, charts: ReadonlyMap<string, ChartImage>): void {
  switch (b.kind) {
    case "text":
      doc
        .font("regular")
        .fontSize(9)
        .fillColor(TONE_COLOR[b.tone ?? "plain"]);
      ensureSpace(doc, doc.heightOfString(b.text, { width: contentWidth(doc) }) + 4);
      doc.text(b.text, MARGIN, doc.y, { width: contentWidth(doc) }).moveDown(0.5);
      return;
    case "facts":
      return drawFacts(doc, b.pairs);
    case "table":
      return drawTable(doc, b.table);
    case "chart": {
      const chart = charts.get(b.id);
      if (!chart) return;
      const width = contentWidth(doc);
      const height = (width * chart.height) / chart.width;
      ensureSpace(doc, height + 8);
      doc.image(chart.png, MARGIN, doc.y, { width, height });
      doc.x = MARGIN;
      doc.y += height + 8;
      return;
    }
  }
}

function drawBanner(doc: Doc, model: ReportModel): void {
  doc.rect(0, 0, doc.page.width, 78).fill(ACCENT_COLOR);
  doc
    .font("bold")
    .fontSize(15)
    .fillColor("#ffffff")
    .text(model.title, MARGIN, 22, { width: contentWidth(doc) });
  doc
    .font("regular")
    .fontSize(8.5)
    .fillColor("#dbe4f5")
    .text("ISC Internet Public E-mail Service Specification (trial), clauses 7.1 and 7.2", MARGIN, doc.y + 2);
  doc.x = MARGIN;
  doc.y = 96;
}

function drawHeading(doc: Doc, title: string): void {
  ensureSpace(doc, 90);
  doc.moveDown(0.4);
  doc
    .font("bold")
    .fontSize(12)
    .fillColor(ACCENT_COLOR)
    .text(title, MARGIN, doc.y, { width: contentWidth(doc) });
  const y = doc.y + 2;
  doc
    .moveTo(MARGIN, y)
    .lineTo(MARGIN + contentWidth(doc), y)
    .lineWidth(1.2)
    .strokeColor(ACCENT_COLOR)
    .stroke();
  doc.y = y + 6;
}

function drawFooters(doc: Doc, model: ReportModel): void {
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const y = doc.page.height - MARGIN + 6;
    doc.page.margins.bottom = 0;
    doc.font("regular").fontSize(7.5).fillColor(TONE_COLOR.muted);
    doc.text(`${model.operator.name}, ${model.month}, generated ${model.generatedAt}`, MARGIN, y, {
      width: contentWidth(doc) / 2,
      lineBreak: false,
    });
    doc.text(`page ${i + 1} of ${range.count}`, MARGIN + contentWidth(doc) / 2, y, {
      width: contentWidth(doc) / 2,
      align: "right",
      lineBreak: false,
    });
  }
}

/** The PDF file. The creation date is the report's, so the same report gives the same content. */
export function renderPdf(
  model: ReportModel,
  charts: readonly ChartImage[],
  generatedAt: Date,
): Promise<Buffer> {
  const fonts = reportFonts();
  const doc = new PDFDocument({
    size: "A4",
    margins: { top: MARGIN, bottom: MARGIN, left: MARGIN, right: MARGIN },
    bufferPages: true,
    info: {
      Title: model.title,
      Author: "mailsla",
      Subject: `Compliance report ${model.month}`,
      CreationDate: generatedAt,
    },
  });
  const chunks: Buffer[] = [];
  doc.on("data", (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on("end", () => resolve(Buffer.concat(chunks)));
    doc.on("error", reject);
  });
  doc.registerFont("regular", fonts.regular);
  doc.registerFont("bold", fonts.bold);
  drawBanner(doc, model);
  const byId = new Map(charts.map((c) => [c.id, c]));
  reportSections(model).forEach((s, i) => {
    if (i > 0) drawHeading(doc, s.title);
    for (const b of s.blocks) drawBlock(doc, b, byId);
  });
  drawFooters(doc, model);
  doc.end();
  return done;
}
