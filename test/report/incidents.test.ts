/**
 * Issue 10 in the monthly report: each incident's services with their first error code and stage
 * and the vantage points that confirmed them, force majeure as a span with its reason, and an
 * orphaned annotation, in the JSON model and in the HTML, text and PDF a manager reads.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { runStarts } from "../../collector/sla/causes.js";
import { gatherReport } from "../../collector/report/gather.js";
import { buildReport, type ReportModel } from "../../collector/report/model.js";
import { renderReport, type RenderedReport } from "../../collector/report/render.js";
import type { EngineInput } from "../../collector/sla/timeline.js";
import { DAY, HOUR, MIN, NOV, during, novemberInput, setup } from "../sla/fixtures.js";
import { htmlText, pdfText } from "./helpers.js";

const T = NOV + 10 * DAY + 14 * HOUR; // 2026-11-11 14:00 Shanghai
const GONE = "north@2026-11-20T02:00:00.000Z"; // an incident that late results removed

let model: ReportModel;
let out: RenderedReport;
let pdf: string;

beforeAll(async () => {
  const s = setup({
    services: [
      { name: "imap", intervalMs: MIN },
      { name: "pop3", intervalMs: MIN },
    ],
  });
  // imap and pop3 refuse connections 14:00-20:00 from a and b; a flood excuses 14:00-17:00
  const base = novemberInput(s, (_svc, v) => (v === "c" ? () => false : during([T, T + 6 * HOUR])));
  const input: EngineInput = {
    ...base,
    causes: runStarts(base).map((r) => ({ ...r, code: "connect", stage: "connect" })),
    forceMajeure: [{ id: "flood", reason: "Flood cut the power", start: T, end: T + 3 * HOUR }],
    annotations: [
      { incidentId: "north@2026-11-11T06:00:00.000Z", cause: "power cut, slow restart" },
      {
        incidentId: GONE,
        anchorEnd: Date.parse("2026-11-20T02:05:00Z"),
        forceMajeure: { reason: "Lightning" },
      },
    ],
  };
  const source = { input, manual: { month: "2026-11", entries: [] }, operator: { name: "Example" } };
  model = buildReport(gatherReport(source, "2026-11", Date.UTC(2026, 11, 1, 1)));
  out = await renderReport(model, new Date(Date.UTC(2026, 11, 1, 1)));
  pdf = pdfText(out.pdf);
});

describe("the report names what broke", () => {
  it("the model lists each incident's services, codes, vantage points and cause", () => {
    expect(model.incidents).toHaveLength(1);
    const [incident] = model.incidents;
    expect(incident!.cause).toBe("power cut, slow restart");
    expect(incident!.services.map((x) => [x.service, x.code, x.stage, x.vantagePoints])).toEqual([
      ["imap", "connect", "connect", ["a", "b"]],
      ["pop3", "connect", "connect", ["a", "b"]],
    ]);
    expect(incident!.services[0]!.show.span).toBe("2026-11-11 14:00-20:00");
  });

  it("force majeure is a span excusing 3 of 6 hours, with its reason", () => {
    expect(model.incidents[0]).toMatchObject({ faultMinutes: 180, forceMajeureMinutes: 180 });
    expect(model.forceMajeure.marks).toMatchObject([
      { id: "flood", kind: "span", reason: "Flood cut the power", show: { span: "2026-11-11 14:00-17:00" } },
    ]);
  });

  it("the orphaned annotation is in the model", () => {
    expect(model.orphans).toEqual([
      {
        incidentId: GONE,
        segment: "north",
        anchorStart: Date.parse("2026-11-20T02:00:00Z"),
        anchorEnd: Date.parse("2026-11-20T02:05:00Z"),
        cause: null,
        forceMajeure: "Lightning",
        affectedUsers: null,
        show: { span: "2026-11-20 10:00-10:05" },
      },
    ]);
  });

  it("HTML, text and PDF show the services with their errors, the span mark and the orphan", () => {
    for (const [format, text] of [
      ["html", htmlText(out.html)],
      ["text", out.text],
      ["pdf", pdf],
    ] as const) {
      const lines = text.split("\n");
      for (const service of ["imap", "pop3"]) {
        const line = lines.find((l) => new RegExp(`\\b${service}\\b`).test(l) && l.includes("connect"));
        expect(line, `${format}: ${service}`).toBeDefined();
        expect(line, format).toContain("a, b");
        expect(line, format).toContain("2026-11-11 14:00-20:00");
      }
      expect(
        lines.find((l) => l.includes("Flood cut the power")),
        format,
      ).toContain("2026-11-11 14:00-17:00");
      expect(text, format).toContain("Annotations that match no incident any more");
      expect(
        lines.find((l) => l.includes("Lightning")),
        format,
      ).toContain("2026-11-20 10:00-10:05");
      expect(text.replace(/\s+/g, " "), format).toContain("cause: power cut,");
    }
  });
});
