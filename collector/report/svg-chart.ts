/**
 * A small SVG bar chart: enough for the report's three charts (stacked or grouped bars, an optional
 * target line, a legend) and nothing more. Written by hand rather than with a charting library
 * because the charts are rasterised for e-mail clients anyway, and the whole drawing fits on a page.
 */

/** One series of bars. */
export interface BarSeries {
  readonly name: string;
  readonly color: string;
  readonly values: readonly number[];
}

/** What to draw. */
export interface BarChartSpec {
  readonly title: string;
  readonly categories: readonly string[];
  readonly series: readonly BarSeries[];
  /** Stack the series in one bar per category, instead of side by side. */
  readonly stacked?: boolean;
  /** A horizontal line at a target, e.g. 7.1.2's 400 minutes. */
  readonly target?: { readonly value: number; readonly label: string };
  /** Axis unit, shown after the top tick label. */
  readonly unit: string;
  /** Show every n-th category label (days of a month). */
  readonly labelEvery?: number;
  readonly width?: number;
  readonly height?: number;
  readonly font: string;
}

const esc = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** A "nice" axis maximum and step (1, 2 or 5 times a power of ten) covering `max`. */
export function niceScale(max: number, ticks = 4): { top: number; step: number } {
  if (!(max > 0)) return { top: 1, step: 0.25 };
  const raw = max / ticks;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? 10 * pow;
  return { top: Math.ceil(max / step - 1e-9) * step, step };
}

function tickLabel(v: number): string {
  return String(Number(v.toPrecision(6)));
}

interface Frame {
  x0: number;
  y0: number;
  w: number;
  h: number;
  top: number;
}

function axis(spec: BarChartSpec, f: Frame, step: number): string[] {
  const out: string[] = [];
  for (let v = 0; v <= f.top + 1e-9; v += step) {
    const y = f.y0 + f.h - (v / f.top) * f.h;
    out.push(`<line x1="${f.x0}" x2="${f.x0 + f.w}" y1="${y}" y2="${y}" stroke="#e3e6ea" stroke-width="1"/>`);
    const label = tickLabel(v) + (v + step > f.top + 1e-9 && spec.unit ? ` ${spec.unit}` : "");
    out.push(
      `<text x="${f.x0 - 6}" y="${y + 4}" font-size="11" text-anchor="end" fill="#555">${esc(label)}</text>`,
    );
  }
  out.push(`<line x1="${f.x0}" x2="${f.x0 + f.w}" y1="${f.y0 + f.h}" y2="${f.y0 + f.h}" stroke="#888"/>`);
  return out;
}

function bars(spec: BarChartSpec, f: Frame): string[] {
  const out: string[] = [];
  const n = spec.categories.length;
  const slot = f.w / Math.max(1, n);
  const groups = spec.stacked ? 1 : spec.series.length;
  const barW = Math.max(1, (slot * 0.75) / groups);
  const scale = (v: number) => (Math.max(0, v) / f.top) * f.h;
  spec.categories.forEach((cat, i) => {
    let stackY = f.y0 + f.h;
    spec.series.forEach((s, j) => {
      const h = scale(s.values[i] ?? 0);
      const x = f.x0 + i * slot + slot * 0.125 + (spec.stacked ? 0 : j * barW);
      const y = spec.stacked ? stackY - h : f.y0 + f.h - h;
      if (h > 0) out.push(`<rect x="${x}" y="${y}" width="${barW}" height="${h}" fill="${s.color}"/>`);
      if (spec.stacked) stackY -= h;
    });
    const every = spec.labelEvery ?? 1;
    if (i % every === 0 || i === n - 1) {
      const cx = f.x0 + i * slot + slot / 2;
      out.push(
        `<text x="${cx}" y="${f.y0 + f.h + 15}" font-size="11" text-anchor="middle" fill="#555">${esc(cat)}</text>`,
      );
    }
  });
  return out;
}

function targetLine(spec: BarChartSpec, f: Frame): string[] {
  if (!spec.target) return [];
  const y = f.y0 + f.h - (spec.target.value / f.top) * f.h;
  return [
    `<line x1="${f.x0}" x2="${f.x0 + f.w}" y1="${y}" y2="${y}" stroke="#b3261e" stroke-width="1.5" stroke-dasharray="6 4"/>`,
    `<text x="${f.x0 + f.w}" y="${y - 5}" font-size="11" text-anchor="end" fill="#b3261e">${esc(spec.target.label)}</text>`,
  ];
}

function legend(spec: BarChartSpec, width: number): string[] {
  const out: string[] = [];
  let x = width - 12;
  for (const s of [...spec.series].reverse()) {
    const w = 16 + s.name.length * 6.6;
    x -= w;
    out.push(`<rect x="${x}" y="30" width="10" height="10" fill="${s.color}"/>`);
    out.push(`<text x="${x + 14}" y="39" font-size="11" fill="#333">${esc(s.name)}</text>`);
    x -= 10;
  }
  return out;
}

/** The chart as an SVG document. */
export function barChartSvg(spec: BarChartSpec): string {
  const width = spec.width ?? 600;
  const height = spec.height ?? 250;
  const totals = spec.categories.map((_, i) =>
    spec.stacked
      ? spec.series.reduce((n, s) => n + Math.max(0, s.values[i] ?? 0), 0)
      : Math.max(0, ...spec.series.map((s) => s.values[i] ?? 0)),
  );
  const { top, step } = niceScale(Math.max(...totals, spec.target?.value ?? 0) * 1.05);
  const frame: Frame = { x0: 64, y0: 56, w: width - 64 - 16, h: height - 56 - 28, top };
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${esc(spec.font)}">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="12" y="20" font-size="13" font-weight="bold" fill="#1f2933">${esc(spec.title)}</text>`,
    ...legend(spec, width),
    ...axis(spec, frame, step),
    ...bars(spec, frame),
    ...targetLine(spec, frame),
    "</svg>",
  ].join("\n");
}
