import { renderCharts, type ChartImage } from "./charts.js";
import { renderCsv } from "./csv.js";
import { renderHtml } from "./html.js";
import type { ReportModel } from "./model.js";
import { renderPdf } from "./pdf.js";
import { renderText } from "./text.js";
import type { Format } from "./formats.js";

/**
 * Every format of one report from one model and one set of chart images: what the e-mail, the
 * archive and the CLI need. The charts are drawn once and shared by the HTML and the PDF.
 */

export { FORMATS, type Format } from "./formats.js";

/** A report in every format. */
export interface RenderedReport {
  readonly model: ReportModel;
  readonly json: string;
  readonly csv: string;
  /** HTML with `cid:` images, for the e-mail. */
  readonly html: string;
  readonly text: string;
  readonly pdf: Buffer;
  readonly charts: ChartImage[];
}

/** The model as JSON, the machine-readable format (and the archive's record of what was sent). */
export function renderJson(model: ReportModel): string {
  return `${JSON.stringify(model, null, 2)}\n`;
}

/** Renders every format. */
export async function renderReport(model: ReportModel, generatedAt: Date): Promise<RenderedReport> {
  const charts = renderCharts(model);
  return {
    model,
    json: renderJson(model),
    csv: renderCsv(model),
    html: renderHtml(model, charts, "cid"),
    text: renderText(model),
    pdf: await renderPdf(model, charts, generatedAt),
    charts,
  };
}

/** One format, as the bytes of a stand-alone file (HTML with its images inline). */
export async function renderFormat(model: ReportModel, format: Format, generatedAt: Date): Promise<Buffer> {
  switch (format) {
    case "json":
      return Buffer.from(renderJson(model));
    case "csv":
      return Buffer.from(renderCsv(model));
    case "html":
      return Buffer.from(renderHtml(model, renderCharts(model), "data"));
    case "pdf":
      return renderPdf(model, renderCharts(model), generatedAt);
  }
}
