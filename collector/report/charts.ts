import { Resvg } from "@resvg/resvg-js";
import { INDICATORS } from "../../contract/indicators.js";
import { reportFonts } from "./fonts.js";
import { showMonth, showTarget } from "./format.js";
import type { ReportModel } from "./model.js";
import { barChartSvg, type BarChartSpec } from "./svg-chart.js";

/**
 * The report's charts as PNG images. Mail clients (Outlook, Gmail) show neither SVG nor scripts, so
 * charts are drawn as SVG and rasterised by resvg (a Rust renderer shipped prebuilt inside its npm
 * package: no browser, no download); the e-mail embeds them as CID attachments, the PDF draws them.
 */

/** One rendered chart. */
export interface ChartImage {
  /** Content-ID in the e-mail, and the attachment's file name stem. */
  readonly id: "daily" | "trend" | "delays";
  readonly title: string;
  /** What the chart says, for `alt` text and readers without images. */
  readonly alt: string;
  readonly png: Buffer;
  /** Display size in CSS pixels (the PNG has twice the pixels, for sharp print and HiDPI screens). */
  readonly width: number;
  readonly height: number;
}

const FAULT = "#c0392b";
const MAINT = "#e0a030";
const SEND = "#2f6fb0";
const RECEIVE = "#55a868";
const WIDTH = 600;
const HEIGHT = 250;

/** The chart specifications of a report (kept apart from drawing, so they are easy to test). */
export function chartSpecs(model: ReportModel, font: string): Record<ChartImage["id"], BarChartSpec> {
  const fault = INDICATORS.faultMinutes;
  return {
    daily: {
      title: `User-weighted minutes per day, ${showMonth(model.month)}`,
      categories: model.daily.map((d) => String(Number(d.date.slice(8)))),
      series: [
        { name: "fault (7.1.2)", color: FAULT, values: model.daily.map((d) => d.faultMinutes) },
        { name: "maintenance (7.1.3)", color: MAINT, values: model.daily.map((d) => d.maintenanceMinutes) },
      ],
      stacked: true,
      unit: "min",
      labelEvery: 5,
      font,
    },
    trend: {
      title: `User-weighted fault minutes (${fault.clause}), last 12 months`,
      categories: model.trend.map((t) => t.month.slice(2).replace("-", "/")),
      series: [{ name: "fault minutes", color: FAULT, values: model.trend.map((t) => t.faultMinutes ?? 0) }],
      target: {
        value: fault.target,
        label: `target ${showTarget(fault.comparison, fault.target, fault.unit)}`,
      },
      unit: "min",
      font,
    },
    delays: {
      title: "Delivered probe messages by delay (7.1.8 sending, 7.1.9 receiving)",
      categories: model.histogram.labels,
      series: [
        { name: "sending", color: SEND, values: model.histogram.send },
        { name: "receiving", color: RECEIVE, values: model.histogram.receive },
      ],
      unit: "",
      font,
    },
  };
}

function altText(model: ReportModel, id: ChartImage["id"]): string {
  if (id === "daily") {
    const days = model.daily.filter((d) => d.faultMinutes > 0 || d.maintenanceMinutes > 0).map((d) => d.date);
    return `Days with fault or maintenance: ${days.length > 0 ? days.join(", ") : "none"}.`;
  }
  if (id === "trend") return model.trend.map((t) => `${t.month}: ${t.show.faultMinutes}`).join("; ");
  return model.histogram.labels
    .map((l, i) => `${l}: ${model.histogram.send[i]} sent, ${model.histogram.receive[i]} received`)
    .join("; ");
}

/** Rasterises an SVG at twice its size with the report's fonts only (no system font scan). */
export function rasterize(svg: string, width: number): Buffer {
  const fonts = reportFonts();
  const r = new Resvg(svg, {
    fitTo: { mode: "width", value: width * 2 },
    background: "#ffffff",
    font: { loadSystemFonts: false, fontFiles: [fonts.regular, fonts.bold], defaultFontFamily: fonts.family },
  });
  return r.render().asPng();
}

/** Every chart of the report as PNG. */
export function renderCharts(model: ReportModel): ChartImage[] {
  const specs = chartSpecs(model, reportFonts().family);
  return (Object.keys(specs) as ChartImage["id"][]).map((id) => ({
    id,
    title: specs[id].title,
    alt: altText(model, id),
    png: rasterize(barChartSvg({ ...specs[id], width: WIDTH, height: HEIGHT }), WIDTH),
    width: WIDTH,
    height: HEIGHT,
  }));
}
