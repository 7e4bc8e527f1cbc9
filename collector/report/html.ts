import type { ChartImage } from "./charts.js";
import { escapeHtml } from "../escape.js";
import type { ReportModel } from "./model.js";
import {
  ACCENT_COLOR,
  reportSections,
  TONE_COLOR,
  type Block,
  type Cell,
  type Section,
  type Table,
} from "./sections.js";

/**
 * The report as an HTML e-mail that common clients (Outlook, Gmail, Apple Mail, Thunderbird) show
 * as intended: table layout, inline styles only, no <style> block, no script, no external resource.
 * Charts are PNGs referenced by Content-ID (`cid:`), attached to the same message; written to a
 * file, the same page carries them as data: URIs instead.
 */

const FONT = "font-family:Arial,Helvetica,sans-serif;";
const BORDER = "border-bottom:1px solid #e3e6ea;";

/** Escapes text for HTML content and attribute values (collector/escape.ts). */
export const esc = escapeHtml;

/** The Content-ID of a chart in the report e-mail. */
export function chartCid(id: ChartImage["id"]): string {
  return `${id}.chart@mailsla.report`;
}

/** How images are referenced: by Content-ID in the e-mail, inline data in a stand-alone file. */
export type ImageMode = "cid" | "data";

function cell(c: Cell, align: "left" | "right", header = false): string {
  const weight = header || c.bold ? "font-weight:bold;" : "";
  const color = `color:${TONE_COLOR[c.tone ?? (header ? "muted" : "plain")]};`;
  const sub = c.sub
    ? `<br><span style="${FONT}font-size:11px;font-weight:normal;color:${TONE_COLOR.muted};">${esc(c.sub)}</span>`
    : "";
  const tag = header ? "th" : "td";
  return `<${tag} align="${align}" valign="top" style="${FONT}font-size:13px;${weight}${color}padding:6px 6px;${BORDER}text-align:${align};">${esc(c.text)}${sub}</${tag}>`;
}

function table(t: Table): string {
  const total = t.columns.reduce((n, c) => n + c.width, 0);
  const head = t.columns
    .map((c) =>
      cell({ text: c.title }, c.align ?? "left", true).replace(
        "<th ",
        `<th width="${Math.round((c.width / total) * 100)}%" `,
      ),
    )
    .join("");
  const rows = t.rows.map(
    (r) => `<tr>${r.map((c, i) => cell(c, t.columns[i]?.align ?? "left")).join("")}</tr>`,
  );
  return `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;margin:0 0 12px 0;"><tr>${head}</tr>${rows.join("")}</table>`;
}

function facts(pairs: [string, string][]): string {
  const rows = pairs.map(
    ([k, v]) =>
      `<tr><td valign="top" style="${FONT}font-size:13px;color:${TONE_COLOR.muted};padding:3px 12px 3px 0;white-space:nowrap;">${esc(k)}</td><td style="${FONT}font-size:13px;color:${TONE_COLOR.plain};padding:3px 0;">${esc(v)}</td></tr>`,
  );
  return `<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:0 0 12px 0;">${rows.join("")}</table>`;
}

function image(chart: ChartImage, mode: ImageMode): string {
  const src =
    mode === "cid" ? `cid:${chartCid(chart.id)}` : `data:image/png;base64,${chart.png.toString("base64")}`;
  return `<img src="${src}" width="${chart.width}" height="${chart.height}" alt="${esc(`${chart.title}. ${chart.alt}`)}" style="display:block;border:0;width:100%;max-width:${chart.width}px;height:auto;margin:0 0 12px 0;">`;
}

function block(b: Block, charts: ReadonlyMap<string, ChartImage>, mode: ImageMode): string {
  switch (b.kind) {
    case "text":
      return `<p style="${FONT}font-size:13px;line-height:18px;color:${TONE_COLOR[b.tone ?? "plain"]};margin:0 0 10px 0;">${esc(b.text)}</p>`;
    case "table":
      return table(b.table);
    case "facts":
      return facts(b.pairs);
    case "chart": {
      const chart = charts.get(b.id);
      return chart ? image(chart, mode) : "";
    }
  }
}

function section(s: Section, charts: ReadonlyMap<string, ChartImage>, mode: ImageMode): string {
  const title = `<h2 style="${FONT}font-size:16px;line-height:20px;color:${ACCENT_COLOR};margin:18px 0 8px 0;padding:0 0 4px 0;border-bottom:2px solid ${ACCENT_COLOR};">${esc(s.title)}</h2>`;
  return `<tr><td style="padding:0 24px;">${title}${s.blocks.map((b) => block(b, charts, mode)).join("\n")}</td></tr>`;
}

/** The whole e-mail body. */
export function renderHtml(
  model: ReportModel,
  charts: readonly ChartImage[],
  mode: ImageMode = "cid",
): string {
  const byId = new Map(charts.map((c) => [c.id, c]));
  const [header, ...rest] = reportSections(model);
  const banner = `<tr><td bgcolor="${ACCENT_COLOR}" style="background-color:${ACCENT_COLOR};padding:18px 24px;"><h1 style="${FONT}font-size:20px;line-height:26px;color:#ffffff;margin:0;">${esc(model.title)}</h1><p style="${FONT}font-size:12px;color:#dbe4f5;margin:4px 0 0 0;">ISC Internet Public E-mail Service Specification (trial), clauses 7.1 and 7.2</p></td></tr>`;
  const top = header
    ? `<tr><td style="padding:12px 24px 0 24px;">${header.blocks.map((b) => block(b, byId, mode)).join("")}</td></tr>`
    : "";
  const footer = `<tr><td style="padding:16px 24px 24px 24px;${FONT}font-size:11px;color:${TONE_COLOR.muted};">Computed by mailsla from probe results; targets and clause numbers from the specification. Attached: the same report as PDF and the indicators as CSV.</td></tr>`;
  return [
    "<!DOCTYPE html>",
    `<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(model.title)}</title></head>`,
    `<body style="margin:0;padding:0;background-color:#f3f5f7;">`,
    `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" bgcolor="#f3f5f7" style="background-color:#f3f5f7;"><tr><td align="center" style="padding:16px 8px;">`,
    `<table role="presentation" width="720" cellpadding="0" cellspacing="0" border="0" bgcolor="#ffffff" style="width:100%;max-width:720px;background-color:#ffffff;border:1px solid #d8dde3;">`,
    banner,
    top,
    ...rest.map((s) => section(s, byId, mode)),
    footer,
    "</table></td></tr></table></body></html>",
  ].join("\n");
}
