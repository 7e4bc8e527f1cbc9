/**
 * The charts: bar heights proportional to the values on a "nice" axis, the target line where the
 * target is, and real PNGs from resvg at twice the display size (their pixels are checked in the
 * PDF test, where pdftoppm renders them).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { chartSpecs, renderCharts, type ChartImage } from "../../collector/report/charts.js";
import { barChartSvg, niceScale } from "../../collector/report/svg-chart.js";
import { seededReport } from "./helpers.js";

/** Width, height and colour type from a PNG's IHDR. */
function pngHeader(png: Buffer): { width: number; height: number; colorType: number } {
  expect(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
  expect(png.subarray(12, 16).toString()).toBe("IHDR");
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20), colorType: png.readUInt8(25) };
}

const rects = (svg: string) =>
  [...svg.matchAll(/<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" fill="([^"]+)"/g)].map(
    (m) => ({
      y: Number(m[2]),
      height: Number(m[4]),
      fill: m[5],
    }),
  );

describe("bar chart", () => {
  it("picks round axis maxima", () => {
    expect(niceScale(37.5 * 1.05)).toEqual({ top: 40, step: 10 }); // the daily chart of the seeded month
    expect(niceScale(43.5 * 1.05)).toEqual({ top: 60, step: 20 });
    expect(niceScale(420)).toEqual({ top: 600, step: 200 }); // 7.1.2 target line always on the axis
    expect(niceScale(0)).toEqual({ top: 1, step: 0.25 });
    expect(niceScale(3)).toEqual({ top: 3, step: 1 });
  });

  it("draws bars proportional to their values and the target line at the target", () => {
    const svg = barChartSvg({
      title: "t",
      categories: ["a", "b", "c"],
      series: [{ name: "s", color: "#123456", values: [100, 200, 0] }],
      target: { value: 300, label: "target" },
      unit: "min",
      font: "DejaVu Sans",
    });
    const bars = rects(svg).filter((r) => r.fill === "#123456" && r.height > 10);
    expect(bars).toHaveLength(2);
    expect(bars[1]!.height / bars[0]!.height).toBeCloseTo(2, 6);
    // the axis reaches 350 (300 x 1.05 rounded up): the target line sits at 300/350 of the plot height
    const plotBottom = bars[0]!.y + bars[0]!.height;
    const line = /<line x1="[\d.]+" x2="[\d.]+" y1="([\d.]+)"[^>]*stroke="#b3261e"/.exec(svg);
    const perUnit = bars[0]!.height / 100;
    expect(plotBottom - Number(line![1])).toBeCloseTo(300 * perUnit, 6);
  });
});

describe("report charts", () => {
  let charts: ChartImage[];
  let specs: ReturnType<typeof chartSpecs>;

  beforeAll(async () => {
    const { model } = await seededReport();
    charts = renderCharts(model);
    specs = chartSpecs(model, "DejaVu Sans");
  });

  it("are three PNGs at twice their display size", () => {
    expect(charts.map((c) => c.id)).toEqual(["daily", "trend", "delays"]);
    for (const c of charts) {
      expect(pngHeader(c.png)).toMatchObject({ width: 2 * c.width, height: 2 * c.height });
      expect(c.png.length).toBeGreaterThan(10_000);
    }
  });

  it("chart the model's series: 30 days, 12 months against 7.1.2's target, 7 delay buckets", () => {
    expect(specs.daily.categories).toHaveLength(30);
    expect(specs.daily.series[0]!.values[9]).toBe(37.5); // 10 November: 22.50 + 15.00 weighted minutes
    expect(specs.trend.target).toEqual({ value: 400, label: "target <= 400 min" });
    expect(specs.trend.series[0]!.values.at(-1)).toBe(43.5);
    expect(specs.delays.categories).toEqual([
      "< 1 min",
      "1-5 min",
      "5-10 min",
      "10-30 min",
      "30-60 min",
      "1-3 h",
      "> 3 h",
    ]);
  });
});
